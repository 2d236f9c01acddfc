#include "fcgi/cache_manager.h"

#include <time.h>

#include <algorithm>
#include <string>

#include "core/cache_loader.h"

namespace imgcache {
namespace {

// How often the loader asks whether the index needs a walk when there is no manager.
constexpr std::chrono::seconds kIndexCheckInterval{60};

// CPU time this thread has used.
std::chrono::nanoseconds thread_cpu_time() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

std::string milliseconds(std::chrono::nanoseconds duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) +
         " ms";
}

}  // namespace

CacheManager::CacheManager(CacheStore& store, const Config& config, const Clock& clock, LogSink log,
                           std::function<void(const PruneReport&)> on_report, bool walk_at_start)
    : store_(store),
      config_(config),
      clock_(clock),
      log_(std::move(log)),
      on_report_(std::move(on_report)),
      walk_due_(walk_at_start) {
  loader_ = std::thread([this] { run_loader(); });
  if (config_.cache_manager_interval.count() > 0) manager_ = std::thread([this] { run_manager(); });
}

CacheManager::~CacheManager() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  loader_.join();
  if (manager_.joinable()) manager_.join();
}

bool CacheManager::index_needs_walk() {
  try {
    return store_.index_missed_entries() || !store_.index().loaded();
  } catch (const std::exception&) {
    return true;  // logged by the index; a walk recreates it
  }
}

void CacheManager::run_loader() {
  const auto check_interval =
      config_.cache_manager_interval.count() > 0
          ? std::min<std::chrono::seconds>(config_.cache_manager_interval, kIndexCheckInterval)
          : kIndexCheckInterval;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, check_interval, [this] { return stopping_ || walk_due_; });
    if (stopping_) return;
    if (!walk_due_ && !index_needs_walk()) continue;
    walk_due_ = false;
    lock.unlock();
    const bool missed = store_.index_missed_entries();
    try {
      store_.set_index_missed_entries(false);
      LoadReport report =
          load_cache_index(store_, clock_, {.rate = config_.cache_loader_rate, .stop = [this] {
                                              std::lock_guard stop_lock(mutex_);
                                              return stopping_;
                                            }});
      // Entries missed before a walk that did not finish (another process's walk may have
      // passed their directories already) still need one.
      if (!report.finished && missed) store_.set_index_missed_entries(true);
      if (report.finished) {
        log_("cache loader indexed " + std::to_string(report.entries) + " entries, swept " +
             std::to_string(report.swept_files) + " leftovers of interrupted writes");
      }
    } catch (const std::exception& e) {
      if (missed) store_.set_index_missed_entries(true);
      log_(std::string("cache loader: ") + e.what());
    }
    lock.lock();
  }
}

void CacheManager::prune_once() {
  const auto started = std::chrono::steady_clock::now();
  const auto cpu_started = thread_cpu_time();
  store_.index().flush_reads();  // even when another process prunes this round
  PruneLimits limits{config_.cache_max_size, config_.cache_inactive};
  PruneOptions options;
  options.wait = false;
  PruneReport report = prune_cache(store_, limits, clock_, options);
  if (report.skipped) return;
  if (on_report_) on_report_(report);
  if (report.removed_entries > 0) {
    log_("cache manager removed " + std::to_string(report.removed_entries) + " entries (" +
         std::to_string(report.removed_bytes) + " bytes), kept " +
         std::to_string(report.kept_entries) + ", in " +
         milliseconds(std::chrono::steady_clock::now() - started) + " (" +
         milliseconds(thread_cpu_time() - cpu_started) + " of CPU)");
  }
}

void CacheManager::run_manager() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, config_.cache_manager_interval, [this] { return stopping_; })) {
    lock.unlock();
    try {
      prune_once();
    } catch (const std::exception& e) {
      log_(std::string("cache manager: ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace imgcache
