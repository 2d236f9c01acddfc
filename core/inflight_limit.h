// InflightLimit: caps how many origin fetches and resizes run at once (max_inflight). The
// responder's requests wait for a slot until their queue deadline (then 503) instead of
// piling up behind the CPU; batch work (imgcache warm) waits as long as it takes.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace imgcache {

class InflightLimit {
 public:
  explicit InflightLimit(unsigned limit) : limit_(limit) {}

  class Slot {
   public:
    explicit Slot(InflightLimit& owner) : owner_(&owner) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      if (owner_) owner_->release();
    }

   private:
    InflightLimit* owner_;
  };

  // A slot once one is free, or nullopt if none is free by the deadline.
  std::optional<Slot> acquire_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_until(lock, deadline, [this] { return in_use_ < limit_; })) {
      return std::nullopt;
    }
    ++in_use_;
    return std::optional<Slot>(std::in_place, *this);
  }

  // Waits until a slot is free.
  Slot acquire() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [this] { return in_use_ < limit_; });
    ++in_use_;
    return Slot(*this);
  }

  unsigned in_use() const {
    std::lock_guard lock(mutex_);
    return in_use_;
  }

 private:
  void release() {
    {
      std::lock_guard lock(mutex_);
      --in_use_;
    }
    freed_.notify_one();
  }

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  unsigned limit_;
  unsigned in_use_ = 0;
};

}  // namespace imgcache
