// InflightLimit: caps how many origin fetches and resizes run at once (max_inflight), so
// that beyond it requests are refused at once (503) instead of piling up behind the CPU.
// Thread-safe.
#pragma once

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

  unsigned in_use() const {
    std::lock_guard lock(mutex_);
    return in_use_;
  }

 private:
  void release() {
    std::lock_guard lock(mutex_);
    --in_use_;
  }

  mutable std::mutex mutex_;
  unsigned limit_;
  unsigned in_use_ = 0;
};

}  // namespace imgcache
