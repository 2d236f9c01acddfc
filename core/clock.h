// Clock: the one source of "now" in imgcache, so tests can move time with a fake.
#pragma once

#include <chrono>
#include <cstdint>

namespace imgcache {

using UnixTime = std::int64_t;  // seconds since the epoch

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixTime now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace imgcache
