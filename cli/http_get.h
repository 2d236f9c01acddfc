// A blocking HTTP GET for `imgcache warm --via`: the status and the X-Cache header of a
// URL, the body discarded. libcurl underneath; thread-safe.
#pragma once

#include <string>

namespace imgcache {

struct HttpGetResult {
  long status = 0;      // 0 when the request failed before an answer
  std::string x_cache;  // the X-Cache header, empty if absent
  std::string error;    // why the request failed, when status is 0
};

HttpGetResult http_get(const std::string& url, long timeout_seconds);

}  // namespace imgcache
