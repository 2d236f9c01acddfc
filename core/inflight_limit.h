// InflightLimit: caps how many origin fetches and resizes run at once (max_inflight). The
// responder refuses work beyond it at once (503) instead of piling it up behind the CPU;
// batch work (imgcache warm) waits for a slot instead. Thread-safe.
#pragma once

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

  // A slot if one is free, else nullopt.
  std::optional<Slot> try_acquire() {
    std::lock_guard lock(mutex_);
    if (in_use_ >= limit_) return std::nullopt;
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
