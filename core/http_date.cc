#include "core/http_date.h"

#include <ctime>

namespace imgcache {

namespace {

std::string format_utc(UnixTime time, const char* format) {
  std::time_t t = static_cast<std::time_t>(time);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

}  // namespace

std::string format_http_date(UnixTime time) {
  return format_utc(time, "%a, %d %b %Y %H:%M:%S GMT");
}

std::string format_iso_date(UnixTime time) { return format_utc(time, "%Y-%m-%dT%H:%M:%SZ"); }

std::optional<UnixTime> parse_http_date(std::string_view text) {
  std::string copy(text);
  std::tm tm{};
  const char* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return static_cast<UnixTime>(::timegm(&tm));
}

}  // namespace imgcache
