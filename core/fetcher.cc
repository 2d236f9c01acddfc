#include "core/fetcher.h"

#include "core/config.h"
#include "core/error.h"

namespace imgcache {

OriginOptions origin_options(const Config& config) {
  return {.origin = config.origin,
          .max_source_size = config.max_source_size,
          .fetch_timeout = config.fetch_timeout,
          .origin_ca_file = config.origin_ca_file,
          .origin_allow_redirect_hosts = config.origin_allow_redirect_hosts};
}

std::unique_ptr<Fetcher> make_origin_fetcher(const OriginOptions& options) {
  if (options.origin.empty()) throw Error(Errc::bad_config, "origin: not set");
  if (options.origin.rfind("file://", 0) == 0) return make_file_fetcher(options);
  return make_curl_fetcher(options);
}

}  // namespace imgcache
