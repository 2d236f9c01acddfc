// KeysInProgress: the cache keys this process is producing right now (fetching, resizing).
// A request for a key another thread already produces need not hold a thread of its own
// while it waits: the responder sets it aside and retries it once that work has ended,
// when the answer is a cache hit or the failure shared (core/recent_failures.h).
// Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

namespace imgcache {

class KeysInProgress {
 public:
  // Marks the key as in progress until the claim is destroyed.
  class Claim {
   public:
    Claim(KeysInProgress& owner, std::string key) : owner_(&owner), key_(std::move(key)) {}
    Claim(Claim&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) {
      other.owner_ = nullptr;
    }
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    ~Claim() {
      if (owner_) owner_->release(key_);
    }

   private:
    KeysInProgress* owner_;
    std::string key_;
  };

  // A claim on the key, or nullopt if another thread holds one.
  std::optional<Claim> claim(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (!keys_.insert(key).second) return std::nullopt;
    return std::optional<Claim>(std::in_place, *this, key);
  }

 private:
  void release(const std::string& key) {
    std::lock_guard lock(mutex_);
    keys_.erase(key);
  }

  std::mutex mutex_;
  std::unordered_set<std::string> keys_;
};

}  // namespace imgcache
