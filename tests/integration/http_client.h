// A small blocking HTTP client (libcurl) for the integration tests.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace imgcache::testing {

struct HttpResult {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  std::string header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? "" : it->second;
  }
  bool has_header(const std::string& lowercase_name) const {
    return headers.count(lowercase_name) > 0;
  }
};

// method: "GET", "HEAD", "POST"…; request_headers: "Name: value" lines.
HttpResult http_request(const std::string& url,
                        const std::vector<std::string>& request_headers = {},
                        const std::string& method = "GET");

}  // namespace imgcache::testing
