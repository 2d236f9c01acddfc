// What the cache commands of the CLI share with the responder: the effective config, the
// origin fetcher, the clock and the ImageService over the configured cache directory.
// Built on demand, after parsing, by the commands that touch the cache. Run as root, it
// switches to the owner of cache_dir first.
#pragma once

#include <memory>

#include "cli/config_flags.h"
#include "core/fetcher.h"
#include "core/image_service.h"

namespace imgcache {

class Runtime {
 public:
  explicit Runtime(const ConfigFlags& flags);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const Config& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  ImageService& service();  // needs an origin in the config
  CacheStore& store() { return store_; }

 private:
  Config config_;
  SystemClock clock_;
  CacheStore store_;
  std::unique_ptr<Fetcher> fetcher_;
  std::unique_ptr<ImageService> service_;
};

// The request path of a URL or URI: drops scheme, host and query.
std::string request_path(const std::string& url);

}  // namespace imgcache
