// The number of CPU cores that thread pools and limits are sized by (at least 1).
#pragma once

#include <algorithm>
#include <thread>

namespace imgcache {

inline unsigned cpu_cores() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace imgcache
