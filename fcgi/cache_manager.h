// CacheManager: the responder's background thread that keeps the cache within
// cache_max_size and cache_inactive (like nginx's cache manager process). Every
// cache_manager_interval it runs the same prune as `imgcache prune`, skipping a round
// when another process is already pruning the directory. Requests never wait for it.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/cache_pruner.h"
#include "core/cache_store.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"

namespace imgcache {

class CacheManager {
 public:
  // on_report (may be empty) sees each run's report, e.g. for the cache size metrics.
  CacheManager(CacheStore& store, const Config& config, const Clock& clock, LogSink log,
               std::function<void(const PruneReport&)> on_report);
  CacheManager(const CacheManager&) = delete;
  CacheManager& operator=(const CacheManager&) = delete;
  ~CacheManager();  // stops the thread

 private:
  void run();

  CacheStore& store_;
  const Config& config_;
  const Clock& clock_;
  LogSink log_;
  std::function<void(const PruneReport&)> on_report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace imgcache
