#include "fcgi/request_log.h"

#include <cstdio>
#include <ctime>

#include "core/http_date.h"
#include "core/text.h"

namespace imgcache {

std::string log_value(const std::string& value) {
  bool bare = !value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '\\' || c >= 0x7f) bare = false;
  }
  if (bare) return value;
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c < ' ' || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
      continue;
    }
    out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string format_request_log(LogFormat format, UnixTime time, const HttpRequest& request,
                               const HttpResponse& response, std::uint64_t bytes, double ms) {
  const std::string stamp = format_iso_date(time);
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.1f", ms);
  const std::string cache = response.cache.empty() ? "-" : response.cache;
  if (format == LogFormat::json) {
    std::string line =
        std::string("{\"time\":\"") + stamp + "\",\"status\":" + std::to_string(response.status) +
        ",\"method\":" + json_string(request.method) + ",\"uri\":" + json_string(request.path) +
        ",\"cache\":" + json_string(cache) + ",\"bytes\":" + std::to_string(bytes) +
        ",\"ms\":" + duration;
    if (!response.error.empty()) line += ",\"error\":" + json_string(response.error);
    return line + "}";
  }
  std::string line = std::string("time=") + stamp + " status=" + std::to_string(response.status) +
                     " method=" + log_value(request.method) + " uri=" + log_value(request.path) +
                     " cache=" + cache + " bytes=" + std::to_string(bytes) + " ms=" + duration;
  if (!response.error.empty()) line += " error=" + log_value(response.error);
  return line;
}

}  // namespace imgcache
