#include "core/recent_failures.h"

#include <iterator>

namespace imgcache {
namespace {

// Past this many keys, failures older than kKeep are dropped: only waiters need them.
constexpr std::size_t kMaxKeys = 1024;
constexpr auto kKeep = std::chrono::minutes(1);

}  // namespace

void RecentFailures::record(const std::string& key, Errc code, TimePoint at) {
  std::lock_guard lock(mutex_);
  if (failures_.size() >= kMaxKeys) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = at - it->second.second > kKeep ? failures_.erase(it) : std::next(it);
    }
  }
  failures_[key] = {code, at};
}

void RecentFailures::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

std::optional<Errc> RecentFailures::since(const std::string& key, TimePoint since) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  if (it == failures_.end() || it->second.second < since) return std::nullopt;
  return it->second.first;
}

}  // namespace imgcache
