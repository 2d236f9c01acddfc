// The cache's size and inactivity policy, shared by the responder's background manager
// and `imgcache prune` (SPEC §4, like nginx's cache manager): entries not read for longer
// than `inactive` go first, then the least recently read until the cache is within
// `max_size`. It walks the index in last-read order and stops at the first entry it may
// keep, so a round costs what it removes, whatever the cache holds. Before an entry goes,
// its body's own access time is read: a read the index has not heard of yet (noted by
// another process) moves the entry back instead. Entries whose key lock is held (being
// written) are skipped, and only one prune runs at a time per cache directory, across
// processes.
#pragma once

#include <cstdint>
#include <functional>

#include "core/cache_index.h"
#include "core/cache_store.h"
#include "core/clock.h"
#include "core/units.h"

namespace imgcache {

struct PruneLimits {
  std::uint64_t max_size = 0;  // bytes on disk; 0: no size limit
  Seconds inactive{0};         // 0: no inactivity limit
};

struct PruneReport {
  std::uint64_t scanned_entries = 0;  // index rows looked at
  std::uint64_t removed_entries = 0;
  std::uint64_t removed_bytes = 0;
  std::uint64_t kept_entries = 0;
  std::uint64_t kept_bytes = 0;
  bool skipped = false;  // another prune held the cache (only when not waiting)
};

struct PruneOptions {
  bool dry_run = false;
  bool wait = true;  // wait for a concurrent prune to finish instead of skipping
  // Called after each batch of removals with (done, expected); for a progress bar.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  // Called with each entry removed (or, in a dry run, that would be).
  std::function<void(const IndexedEntry&)> removed;
};

PruneReport prune_cache(CacheStore& store, const PruneLimits& limits, const Clock& clock,
                        const PruneOptions& options = {});

}  // namespace imgcache
