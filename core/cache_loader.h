// The cache loader: one walk of the cache directory that fills the index with every entry
// on disk (SPEC §4, like nginx's cache loader) — after the index was created, deleted or
// set aside, and at each start of the responder to repair what a crash left. It also
// sweeps the leftovers of interrupted writes: temporary files whose writer is gone or older
// than a grace period, and an entry's lone body or meta past that period. It reads at most
// `rate` entries a second so that serving goes on meanwhile; only one walk runs at a time
// per cache directory, across processes (a second one is skipped). The index counts as loaded when
// a walk finishes.
#pragma once

#include <cstdint>
#include <functional>

#include "core/cache_store.h"
#include "core/clock.h"

namespace imgcache {

struct LoadOptions {
  std::uint64_t rate = 0;      // entries a second; 0: as fast as the disk allows
  std::function<bool()> stop;  // asked between directories; true abandons the walk
};

struct LoadReport {
  std::uint64_t entries = 0;      // indexed
  std::uint64_t swept_files = 0;  // leftovers of interrupted writes
  bool skipped = false;           // another process was walking
  bool finished = false;          // the whole tree was read (the index is loaded)
};

LoadReport load_cache_index(CacheStore& store, const Clock& clock, const LoadOptions& options = {});

}  // namespace imgcache
