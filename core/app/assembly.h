// The parts both programs run on, built from a Config in one way: the clock, the cache
// store, the origin fetcher and the ImageService over them (SPEC §4). The responder builds
// one at start-up; the CLI's cache commands build one on demand.
#pragma once

#include <memory>

#include "core/cache_store.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/fetcher.h"
#include "core/image_service.h"
#include "core/log.h"

namespace imgcache {

class Assembly {
 public:
  // `warn` hears of degraded service (cache not writable, origin down). `overload` is how
  // the service treats requests beyond max_inflight; `threads_per_image` caps the imaging
  // engine's own threads (0: its default).
  Assembly(Config config, LogSink warn, Overload overload, unsigned threads_per_image = 0);
  Assembly(const Assembly&) = delete;
  Assembly& operator=(const Assembly&) = delete;

  const Config& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  CacheStore& store() { return store_; }
  // Made on first use: it needs an origin in the config, and starts the imaging engine.
  ImageService& service();

 private:
  Config config_;
  SystemClock clock_;
  LogSink warn_;
  Overload overload_;
  unsigned threads_per_image_;
  CacheStore store_;
  std::unique_ptr<Fetcher> fetcher_;
  std::unique_ptr<ImageService> service_;
};

}  // namespace imgcache
