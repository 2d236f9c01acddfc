// Size and duration values of the config file, flags and CLI (SPEC §7).
#include "core/units.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/error.h"

namespace imgcache {
namespace {

template <typename F>
void expect_bad_request(F&& f, const std::string& input) {
  try {
    f();
    ADD_FAILURE() << "'" << input << "' was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_request) << input;
  }
}

TEST(ParseSize, BinaryMultiples) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("64k"), 64u * 1024);
  EXPECT_EQ(parse_size("64K"), 64u * 1024);
  EXPECT_EQ(parse_size("20M"), 20u * 1024 * 1024);
  EXPECT_EQ(parse_size("1G"), 1024ull * 1024 * 1024);
  EXPECT_EQ(parse_size("100M"), 104857600u);
}

TEST(ParseSize, RejectsMalformed) {
  for (const char* text : {"", "1T", "-1", "1.5M", " 1M", "1M ", "M", "k", "1 M", "0x10", "+5",
                           "1MM", "99999999999999999999", "18014398509481984k"}) {
    expect_bad_request([&] { parse_size(text); }, text);
  }
}

TEST(ParseDuration, Suffixes) {
  EXPECT_EQ(parse_duration("30"), Seconds(30));
  EXPECT_EQ(parse_duration("90s"), Seconds(90));
  EXPECT_EQ(parse_duration("15m"), Seconds(15 * 60));
  EXPECT_EQ(parse_duration("12h"), Seconds(12 * 3600));
  EXPECT_EQ(parse_duration("40d"), Seconds(40 * 86400));
  EXPECT_EQ(parse_duration("0"), Seconds(0));
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* text : {"", "1w", "-5s", "1.5h", " 10s", "10s ", "s", "10ms", "1y", "h1"}) {
    expect_bad_request([&] { parse_duration(text); }, text);
  }
}

TEST(ParseCount, BoundsAndSyntax) {
  EXPECT_EQ(parse_count("0", 10), 0u);
  EXPECT_EQ(parse_count("10", 10), 10u);
  for (const char* text : {"11", "", "-1", "+1", " 1", "1 ", "1k", "0x1"}) {
    expect_bad_request([&] { parse_count(text, 10); }, text);
  }
}

TEST(ParseBool, OnOffSpellings) {
  for (const char* text : {"on", "yes", "true", "1"}) EXPECT_TRUE(parse_bool(text)) << text;
  for (const char* text : {"off", "no", "false", "0"}) EXPECT_FALSE(parse_bool(text)) << text;
  for (const char* text : {"", "maybe", "2", " on", "onn"}) {
    expect_bad_request([&] { parse_bool(text); }, text);
  }
}

TEST(FormatSize, ShortestExactSpelling) {
  EXPECT_EQ(format_size(104857600), "100M");
  EXPECT_EQ(format_size(20ull << 20), "20M");
  EXPECT_EQ(format_size(1ull << 30), "1G");
  EXPECT_EQ(format_size(64 * 1024), "64k");
  EXPECT_EQ(format_size(1536), "1536");  // 1.5k has no exact suffix spelling
  EXPECT_EQ(format_size(512), "512");
  EXPECT_EQ(format_size(0), "0");
}

TEST(FormatDuration, ShortestExactSpelling) {
  EXPECT_EQ(format_duration(Seconds(3456000)), "40d");
  EXPECT_EQ(format_duration(Seconds(43200)), "12h");
  EXPECT_EQ(format_duration(Seconds(900)), "15m");
  EXPECT_EQ(format_duration(Seconds(90)), "90s");
  EXPECT_EQ(format_duration(Seconds(0)), "0s");
}

TEST(Units, FormatThenParseRoundTrips) {
  for (std::uint64_t bytes : {0ull, 1ull, 512ull, 1023ull, 1024ull, 1536ull, 64ull << 10,
                              (1ull << 20) + 1, 100ull << 20, 3ull << 30, 5ull << 40}) {
    EXPECT_EQ(parse_size(format_size(bytes)), bytes) << format_size(bytes);
  }
  for (std::int64_t s : {0, 1, 59, 60, 61, 90, 3600, 5400, 86400, 86401, 30 * 86400}) {
    EXPECT_EQ(parse_duration(format_duration(Seconds(s))), Seconds(s))
        << format_duration(Seconds(s));
  }
}

}  // namespace
}  // namespace imgcache
