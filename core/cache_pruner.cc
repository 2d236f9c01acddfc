#include "core/cache_pruner.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

#include "core/cache_scan.h"

namespace imgcache {
namespace {

// A write in progress is never older than this; older leftovers are abandoned.
constexpr UnixTime kLeftoverGrace = 600;

}  // namespace

PruneReport prune_cache(CacheStore& store, const PruneLimits& limits, const Clock& clock,
                        const PruneOptions& options) {
  PruneReport report;
  auto prune_lock = store.lock_named("prune", options.wait);
  if (!prune_lock) {
    report.skipped = true;
    return report;
  }
  const UnixTime now = clock.now();
  std::vector<EntryFiles> entries;
  std::vector<std::string> leftovers;
  scan_cache(store.root(),
             {[&](const EntryFiles& entry) {
                bool half_written = !entry.has_meta || !entry.has_body;
                if (half_written && now - entry.modified > kLeftoverGrace) {
                  leftovers.push_back(entry.hex);
                } else if (!half_written) {
                  entries.push_back(entry);
                }
              },
              [&](const std::string& path, UnixTime modified) {
                if (now - modified > kLeftoverGrace && !options.dry_run &&
                    ::unlink(path.c_str()) == 0) {
                  ++report.swept_files;
                }
              }});
  report.scanned_entries = entries.size();
  for (const std::string& hex : leftovers) {
    if (!options.dry_run && store.remove_digest(hex, false)) ++report.swept_files;
  }

  // Least recently read first.
  std::sort(entries.begin(), entries.end(),
            [](const EntryFiles& a, const EntryFiles& b) { return a.last_read < b.last_read; });
  std::uint64_t total = 0;
  for (const EntryFiles& entry : entries) total += entry.disk_bytes;

  std::vector<const EntryFiles*> doomed;
  std::uint64_t remaining = total;
  for (const EntryFiles& entry : entries) {
    bool inactive = limits.inactive.count() > 0 && now - entry.last_read > limits.inactive.count();
    bool over = limits.max_size > 0 && remaining > limits.max_size;
    if (!inactive && !over) continue;
    doomed.push_back(&entry);
    remaining -= entry.disk_bytes;
  }
  std::uint64_t done = 0;
  for (const EntryFiles* entry : doomed) {
    bool removed = options.dry_run || store.remove_digest(entry->hex, false);
    if (removed) {
      ++report.removed_entries;
      report.removed_bytes += entry->disk_bytes;
    }
    if (options.progress) options.progress(++done, doomed.size());
  }
  report.kept_entries = entries.size() - report.removed_entries;
  report.kept_bytes = total - report.removed_bytes;
  return report;
}

}  // namespace imgcache
