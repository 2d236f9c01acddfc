// Waiting for what another process or thread does, without a fixed sleep: a condition is
// checked every 20 ms until it holds or a generous deadline passes (a loaded machine, or
// AddressSanitizer, may be slow to get there, never too fast).
#pragma once

#include <chrono>
#include <thread>

namespace imgcache::testing {

constexpr std::chrono::milliseconds kEventTimeout = std::chrono::seconds(10);

// True once `condition()` holds; false if it still does not at the deadline.
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout = kEventTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Reads `count()` until it reaches `expected` (or the deadline passes); returns the last
// value read, so a test can assert it equals what it expected.
template <typename Count>
int wait_for_count(Count count, int expected, std::chrono::milliseconds timeout = kEventTimeout) {
  int last = 0;
  wait_until(
      [&] {
        last = count();
        return last >= expected;
      },
      timeout);
  return last;
}

}  // namespace imgcache::testing
