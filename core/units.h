// Parsing and printing of the size (k/M/G) and duration (s/m/h/d) values used in the
// config file, in flags and in the CLI. Pure functions; they throw Error(bad_request)
// with a short reason on malformed input.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace imgcache {

using Seconds = std::chrono::seconds;

// "512", "64k", "20M", "1G" (binary multiples) → bytes.
std::uint64_t parse_size(std::string_view text);
// "30", "90s", "15m", "12h", "40d" → seconds. A bare number is seconds.
Seconds parse_duration(std::string_view text);
// A non-negative integer without sign, spaces or suffix; bounded by max.
std::uint64_t parse_count(std::string_view text, std::uint64_t max);
bool parse_bool(std::string_view text);

// The shortest exact spelling: 104857600 → "100M", 3456000s → "40d".
std::string format_size(std::uint64_t bytes);
std::string format_duration(Seconds seconds);

}  // namespace imgcache
