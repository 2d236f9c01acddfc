#include "core/fetcher.h"

#include "core/error.h"

namespace imgcache {

std::unique_ptr<Fetcher> make_origin_fetcher(const Config& config) {
  if (config.origin.empty()) throw Error(Errc::bad_config, "origin: not set");
  if (config.origin.rfind("file://", 0) == 0) return make_file_fetcher(config);
  return make_curl_fetcher(config);
}

}  // namespace imgcache
