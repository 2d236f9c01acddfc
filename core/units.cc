#include "core/units.h"

#include <charconv>
#include <limits>

#include "core/error.h"

namespace imgcache {
namespace {

struct Suffix {
  char letter;
  std::uint64_t factor;
};

std::uint64_t parse_with_suffix(std::string_view text, std::initializer_list<Suffix> suffixes,
                                const char* what) {
  std::uint64_t factor = 1;
  if (!text.empty()) {
    for (const Suffix& s : suffixes) {
      if (text.back() == s.letter) {
        factor = s.factor;
        text.remove_suffix(1);
        break;
      }
    }
  }
  std::uint64_t value = parse_count(text, std::numeric_limits<std::uint64_t>::max());
  if (value > std::numeric_limits<std::uint64_t>::max() / factor) {
    throw Error(Errc::bad_request, std::string(what) + " out of range");
  }
  return value * factor;
}

}  // namespace

std::uint64_t parse_count(std::string_view text, std::uint64_t max) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw Error(Errc::bad_request, "not a number: '" + std::string(text) + "'");
  }
  if (value > max) {
    throw Error(Errc::bad_request, "number above " + std::to_string(max));
  }
  return value;
}

std::uint64_t parse_size(std::string_view text) {
  return parse_with_suffix(
      text, {{'k', 1ull << 10}, {'K', 1ull << 10}, {'M', 1ull << 20}, {'G', 1ull << 30}}, "size");
}

Seconds parse_duration(std::string_view text) {
  return Seconds(
      parse_with_suffix(text, {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}}, "duration"));
}

bool parse_bool(std::string_view text) {
  if (text == "on" || text == "yes" || text == "true" || text == "1") return true;
  if (text == "off" || text == "no" || text == "false" || text == "0") return false;
  throw Error(Errc::bad_request, "expected on or off, got '" + std::string(text) + "'");
}

std::string format_size(std::uint64_t bytes) {
  for (auto [letter, factor] : {std::pair{'G', 1ull << 30}, {'M', 1ull << 20}, {'k', 1ull << 10}}) {
    if (bytes != 0 && bytes % factor == 0) return std::to_string(bytes / factor) + letter;
  }
  return std::to_string(bytes);
}

std::string format_duration(Seconds seconds) {
  auto n = static_cast<std::uint64_t>(seconds.count());
  for (auto [letter, factor] : {std::pair{'d', 86400ull}, {'h', 3600ull}, {'m', 60ull}}) {
    if (n != 0 && n % factor == 0) return std::to_string(n / factor) + letter;
  }
  return std::to_string(n) + "s";
}

}  // namespace imgcache
