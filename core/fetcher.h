// Fetcher: gets a source image from the configured origin. Implementations: libcurl for
// http:// and https:// origins, the file system for file:/// origins. A fetch either
// returns the bytes (or "not modified") or throws Error: not_found (origin 404/410),
// unsupported_image (larger than max_source_size, checked while streaming), origin_error
// (unreachable, 5xx, bad redirect), origin_timeout (fetch_timeout passed).
// Implementations are safe to call from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/units.h"

namespace imgcache {

struct FetchRequest {
  std::string source_path;        // decoded, validated relative path
  std::string encoded_path;       // the same, percent-encoded for a URL
  std::string if_none_match;      // origin ETag from a previous fetch, for revalidation
  std::string if_modified_since;  // origin Last-Modified from a previous fetch
};

struct FetchResult {
  bool not_modified = false;  // the origin answered 304 to a conditional request
  std::string body;
  std::string etag;  // origin validators, empty when absent
  std::string last_modified;
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  virtual FetchResult fetch(const FetchRequest& request) = 0;
  // Where a source lives, for logs and `imgcache inspect`.
  virtual std::string source_url(const FetchRequest& request) const = 0;
};

// What fetching needs of the config (the keys of the same names, SPEC §7).
struct OriginOptions {
  std::string origin;  // http://…, https://… or file:///dir
  std::uint64_t max_source_size = 20ull << 20;
  Seconds fetch_timeout{10};
  std::string origin_ca_file;
  std::vector<std::string> origin_allow_redirect_hosts;
};

struct Config;
OriginOptions origin_options(const Config& config);

// The fetcher for options.origin: make_file_fetcher for file:///, else make_curl_fetcher.
// Throws Error(bad_config) when there is no origin.
std::unique_ptr<Fetcher> make_origin_fetcher(const OriginOptions& options);
std::unique_ptr<Fetcher> make_curl_fetcher(const OriginOptions& options);
std::unique_ptr<Fetcher> make_file_fetcher(const OriginOptions& options);

}  // namespace imgcache
