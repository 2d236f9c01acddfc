// The one log line per request, for log shippers: key=value (log_format = text)
//   time=2026-11-28T17:30:00Z status=200 method=GET uri=/image/150x150/a.jpg cache=MISS
//   bytes=5120 ms=42.0 [error="…"]
// or one JSON object (log_format = json) with the same fields:
//   {"time":"2026-11-28T17:30:00Z","status":200,"method":"GET","uri":"/image/150x150/a.jpg",
//    "cache":"MISS","bytes":5120,"ms":42.0[,"error":"…"]}
// The uri has no query string, so tokens never reach the log.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "fcgi/http.h"

namespace imgcache {

std::string format_request_log(LogFormat format, UnixTime time, const HttpRequest& request,
                               const HttpResponse& response, std::uint64_t bytes, double ms);

// key=value quoting: bare when safe, else in double quotes with \" and \\ escaped.
std::string log_value(const std::string& value);

}  // namespace imgcache
