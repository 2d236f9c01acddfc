// RecentFailures: the failed fetches of the last moments, by cache key. Requests that
// waited on a key's lock while the request holding it failed take its answer instead of
// each asking the origin again in turn (a slow, failing origin would otherwise cost every
// waiter a full fetch_timeout). Thread-safe; in memory, per process.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/error.h"

namespace imgcache {

class RecentFailures {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  void record(const std::string& key, Errc code, TimePoint at);
  void forget(const std::string& key);
  // The failure of `key` recorded at or after `since`, if any.
  std::optional<Errc> since(const std::string& key, TimePoint since) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::pair<Errc, TimePoint>> failures_;
};

}  // namespace imgcache
