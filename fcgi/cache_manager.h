// CacheManager: the responder's two background threads over the cache (like nginx's cache
// loader and cache manager processes). The loader walks the tree into the index at start,
// at cache_loader_rate, to repair what a crash left, and again whenever the index is new
// (deleted, found corrupt) or missed an entry, which it asks every cache_manager_interval
// (at most a minute). The manager, every cache_manager_interval, writes the rows and reads
// waiting in memory and runs the same prune as `imgcache prune`, skipping the prune when
// another process is already pruning the directory. Requests never wait for either; a
// miss's own row is written as its entry is published (core/cache_store.h), and left in
// memory for the manager when the database is busy past its wait.
#pragma once

#include <condition_variable>
#include <functional>
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
  // on_report (may be empty) sees each prune's report, e.g. for the cache size metrics.
  // walk_at_start: the loader walks the tree at once (at a process's start), not only when
  // the index asks for it.
  CacheManager(CacheStore& store, const Config& config, const Clock& clock, LogSink log,
               std::function<void(const PruneReport&)> on_report, bool walk_at_start);
  CacheManager(const CacheManager&) = delete;
  CacheManager& operator=(const CacheManager&) = delete;
  ~CacheManager();  // stops both threads

 private:
  void run_loader();
  void run_manager();
  void prune_once();
  bool index_needs_walk();

  CacheStore& store_;
  const Config& config_;
  const Clock& clock_;
  LogSink log_;
  std::function<void(const PruneReport&)> on_report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool walk_due_;
  std::thread loader_;
  std::thread manager_;
};

}  // namespace imgcache
