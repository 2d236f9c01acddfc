// HttpRequest / HttpResponse: what the router sees of a request and returns, as plain
// structs, so routing is tested without FastCGI.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace imgcache {

struct HttpRequest {
  std::string method;
  std::string path;   // raw (percent-encoded) path, without the query
  std::string query;  // raw query string, without '?'
  std::string accept;
  std::string if_none_match;
  std::string if_modified_since;
  // When the request was read; its time in the queue counts from then (default: unknown,
  // taken as the moment it is handled).
  std::chrono::steady_clock::time_point received{};
  // False when the web server asks for the bytes themselves (FastCGI parameter
  // IMGCACHE_SENDFILE=off): its retry after a file it was told to send had gone.
  bool sendfile = true;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string cache;  // X-Cache value, for the log ("-" when none)
  std::string error;  // failure detail, for the log only

  void set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  const std::string* header(const std::string& name) const;
};

}  // namespace imgcache
