#include "core/cache_pruner.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <system_error>

#include "core/cache_index.h"

namespace imgcache {
namespace {

// Index rows read at a time.
constexpr std::size_t kBatch = 256;

enum class BodyState { gone, read_later, as_indexed };

// What the body file says of an entry the index last saw read at `indexed`.
BodyState body_state(const std::string& path, UnixTime indexed, UnixTime& file_read) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return BodyState::gone;
  file_read = st.st_atime;
  return file_read > indexed ? BodyState::read_later : BodyState::as_indexed;
}

// An entry that cannot be removed (busy, a read-only directory…) is left.
bool remove_if_idle(CacheStore& store, const std::string& hex) {
  try {
    return store.remove_digest(hex, false);
  } catch (const std::system_error&) {
    return false;
  }
}

}  // namespace

PruneReport prune_cache(CacheStore& store, const PruneLimits& limits, const Clock& clock,
                        const PruneOptions& options) {
  PruneReport report;
  auto prune_lock = store.lock_named("prune", options.wait);
  if (!prune_lock) {
    report.skipped = true;
    return report;
  }
  CacheIndex& index = store.index();
  index.flush_reads();
  const UnixTime now = clock.now();
  const IndexTotals before = index.totals();
  std::uint64_t remaining = before.bytes;
  auto inactive = [&](UnixTime last_read) {
    return limits.inactive.count() > 0 && now - last_read > limits.inactive.count();
  };
  auto over = [&] { return limits.max_size > 0 && remaining > limits.max_size; };
  // For a progress bar: the idle entries and, past those, the average entry's share of the
  // excess.
  std::uint64_t expected = 0;
  if (options.progress && before.entries > 0) {
    if (limits.inactive.count() > 0) {
      expected = index.read_before(now - limits.inactive.count()).entries;
    }
    if (over()) expected += (remaining - limits.max_size) / (before.bytes / before.entries + 1) + 1;
  }

  std::optional<IndexedEntry> after;
  std::uint64_t done = 0;
  for (bool more = true; more;) {
    std::vector<IndexedEntry> batch = index.least_recently_read(after, kBatch);
    more = batch.size() == kBatch;
    for (const IndexedEntry& entry : batch) {
      after = entry;
      if (!inactive(entry.last_read) && !over()) {
        more = false;  // every later entry was read more recently
        break;
      }
      ++report.scanned_entries;
      UnixTime file_read = 0;
      const std::string path = store.path_of_digest(entry.hex);
      BodyState state = body_state(path, entry.last_read, file_read);
      if (state == BodyState::read_later) {
        // Read since: its row moves back, and is met again later in this walk if due.
        if (!options.dry_run) index.set_last_read(entry.hex, file_read);
        continue;
      }
      if (state == BodyState::gone) {
        // A row left by a crash or an outside removal: nothing to remove but the row.
        if (!options.dry_run) remove_if_idle(store, entry.hex);
        remaining -= std::min(remaining, entry.bytes);
        continue;
      }
      // A busy entry (key lock held) is skipped and the next one removed in its place, as
      // nginx's cache manager does, so the cache still ends within max_size.
      if (options.dry_run || remove_if_idle(store, entry.hex)) {
        ++report.removed_entries;
        report.removed_bytes += entry.bytes;
        remaining -= std::min(remaining, entry.bytes);
      }
      ++done;
      if (options.progress) options.progress(done, std::max(done, expected));
    }
  }
  const IndexTotals after_prune = options.dry_run ? before : index.totals();
  report.kept_entries = after_prune.entries - (options.dry_run ? report.removed_entries : 0);
  report.kept_bytes = after_prune.bytes - (options.dry_run ? report.removed_bytes : 0);
  return report;
}

}  // namespace imgcache
