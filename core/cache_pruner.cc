#include "core/cache_pruner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

#include "core/cache_scan.h"

namespace imgcache {
namespace {

// A write in progress is never older than this; older leftovers are abandoned.
constexpr UnixTime kLeftoverGrace = 600;

// An entry that cannot be removed (a read-only directory…) is left, as a busy one is.
bool remove_if_idle(CacheStore& store, const std::string& hex) {
  try {
    return store.remove_digest(hex, false);
  } catch (const std::system_error&) {
    return false;
  }
}

}  // namespace

std::uint64_t sweep_abandoned_writes(const CacheStore& store) {
  std::uint64_t swept = 0;
  scan_cache(store.root(), {[](const EntryFiles&) {},
                            [&](const std::string& path, UnixTime) {
                              auto marker = path.rfind(".tmp-");
                              int pid = std::atoi(path.c_str() + marker + 5);
                              bool writer_gone = pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
                              if (writer_gone && ::unlink(path.c_str()) == 0) ++swept;
                            }});
  return swept;
}

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
  scan_cache(store.root(), {[&](const EntryFiles& entry) {
                              bool half_written = !entry.has_meta || !entry.has_body;
                              if (half_written && now - entry.modified > kLeftoverGrace) {
                                leftovers.push_back(entry.hex);
                              } else if (!half_written) {
                                entries.push_back(entry);
                              }
                            },
                            [&](const std::string& path, UnixTime modified) {
                              if (now - modified > kLeftoverGrace &&
                                  (options.dry_run || ::unlink(path.c_str()) == 0)) {
                                ++report.swept_files;
                              }
                            }});
  report.scanned_entries = entries.size();
  for (const std::string& hex : leftovers) {
    if (options.dry_run || remove_if_idle(store, hex)) ++report.swept_files;
  }

  // Least recently read first.
  std::sort(entries.begin(), entries.end(),
            [](const EntryFiles& a, const EntryFiles& b) { return a.last_read < b.last_read; });
  std::uint64_t total = 0;
  for (const EntryFiles& entry : entries) total += entry.disk_bytes;

  auto doomed = [&](const EntryFiles& entry, std::uint64_t remaining) {
    bool inactive = limits.inactive.count() > 0 && now - entry.last_read > limits.inactive.count();
    bool over = limits.max_size > 0 && remaining > limits.max_size;
    return inactive || over;
  };
  std::uint64_t to_remove = 0;  // if none is busy
  std::uint64_t remaining = total;
  for (const EntryFiles& entry : entries) {
    if (doomed(entry, remaining)) {
      ++to_remove;
      remaining -= entry.disk_bytes;
    }
  }
  // A busy entry (key lock held) is skipped and the next one removed in its place, as
  // nginx's cache manager does, so the cache still ends within max_size.
  std::uint64_t done = 0;
  remaining = total;
  for (const EntryFiles& entry : entries) {
    if (!doomed(entry, remaining)) continue;
    bool removed = options.dry_run || remove_if_idle(store, entry.hex);
    if (removed) {
      ++report.removed_entries;
      report.removed_bytes += entry.disk_bytes;
      remaining -= entry.disk_bytes;
    }
    ++done;
    if (options.progress) options.progress(done, std::max(done, to_remove));
  }
  report.kept_entries = entries.size() - report.removed_entries;
  report.kept_bytes = total - report.removed_bytes;
  return report;
}

}  // namespace imgcache
