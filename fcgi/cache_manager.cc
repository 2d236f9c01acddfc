#include "fcgi/cache_manager.h"

#include <string>

namespace imgcache {

CacheManager::CacheManager(CacheStore& store, const Config& config, const Clock& clock, LogSink log,
                           std::function<void(const PruneReport&)> on_report)
    : store_(store),
      config_(config),
      clock_(clock),
      log_(std::move(log)),
      on_report_(std::move(on_report)) {
  thread_ = std::thread([this] { run(); });
}

CacheManager::~CacheManager() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CacheManager::run() {
  PruneLimits limits{config_.cache_max_size, config_.cache_inactive};
  PruneOptions options;
  options.wait = false;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, config_.cache_manager_interval, [this] { return stopping_; })) {
    lock.unlock();
    try {
      PruneReport report = prune_cache(store_, limits, clock_, options);
      if (on_report_ && !report.skipped) on_report_(report);
      if (report.removed_entries > 0 || report.swept_files > 0) {
        log_("cache manager removed " + std::to_string(report.removed_entries) + " entries (" +
             std::to_string(report.removed_bytes) + " bytes), swept " +
             std::to_string(report.swept_files) + " leftovers, kept " +
             std::to_string(report.kept_entries));
      }
    } catch (const std::exception& e) {
      log_(std::string("cache manager: ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace imgcache
