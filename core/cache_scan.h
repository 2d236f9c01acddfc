// Walks a cache directory and reports every entry by its files alone (no meta parsing),
// for the pruner, purge --source/--all and stats. Skips the lock directory; reports
// leftover temporary files separately so callers can sweep them.
// Entries may appear or vanish during the walk; such races are not errors.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"

namespace imgcache {

struct EntryFiles {
  std::string body_path;         // <root>/<levels>/<hex>
  std::string hex;               // the entry's name: MD5 of its key
  std::uint64_t disk_bytes = 0;  // blocks used by body and meta, as nginx counts size
  UnixTime last_read = 0;        // the body's access time (see CacheStore::touch)
  UnixTime modified = 0;         // the body's modification time (entry creation)
  bool has_meta = false;
  bool has_body = false;
};

struct ScanCallbacks {
  std::function<void(const EntryFiles&)> entry;
  // A temporary file left by an interrupted write, with its modification time.
  std::function<void(const std::string& path, UnixTime modified)> temp_file;
  // Asked before each directory; true ends the walk there.
  std::function<bool()> stop;
};

void scan_cache(const std::string& root, const ScanCallbacks& callbacks);

}  // namespace imgcache
