#include "core/cache_pruner.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

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

  std::optional<IndexedEntry> after;  // the last entry looked at
  std::uint64_t done = 0;
  for (bool more = true; more;) {
    const std::vector<IndexedEntry> batch = index.least_recently_read(after, kBatch);
    more = batch.size() == kBatch;
    std::vector<std::string> doomed;  // removed in one go, with rows without files
    std::map<std::string, const IndexedEntry*> doomed_entry;
    for (const IndexedEntry& entry : batch) {
      if (!inactive(entry.last_read) && !over()) {
        more = false;  // every later entry was read more recently
        break;
      }
      after = entry;
      ++report.scanned_entries;
      doomed.push_back(entry.hex);
      doomed_entry[entry.hex] = &entry;
      remaining -= std::min(remaining, entry.bytes);
    }
    // The body is looked at under each entry's lock: one read or written since the index
    // saw it stays, and its row moves back, to be met again in this walk or a later one if
    // due; a row whose files are gone (a crash, an outside removal) goes.
    ReadTimes read_since;
    std::set<std::string> without_files;
    auto still_doomed = [&](const std::string& hex) {
      UnixTime file_read = 0;
      switch (body_state(store.path_of_digest(hex), doomed_entry.at(hex)->last_read, file_read)) {
        case BodyState::read_later:
          read_since.emplace_back(hex, file_read);
          return false;
        case BodyState::gone:
          without_files.insert(hex);
          return true;
        case BodyState::as_indexed:
          return true;
      }
      return false;
    };
    std::set<std::string> gone;
    if (options.dry_run) {
      for (const std::string& hex : doomed) {
        if (still_doomed(hex)) gone.insert(hex);
      }
    } else {
      const std::vector<std::string> removed = store.remove_idle(doomed, still_doomed);
      gone.insert(removed.begin(), removed.end());
      index.set_last_read(read_since);
    }
    for (const std::string& hex : doomed) {
      const IndexedEntry& entry = *doomed_entry.at(hex);
      if (!gone.contains(hex)) {
        // Busy (key lock held) or read meanwhile: skipped, and the next one removed in its
        // place, as nginx's cache manager does, so the cache still ends within max_size.
        remaining += entry.bytes;
        more = more || over();
      } else if (!without_files.contains(hex)) {
        ++report.removed_entries;
        report.removed_bytes += entry.bytes;
        ++done;
        if (options.removed) options.removed(entry);
      }
    }
    if (options.progress && done > 0) options.progress(done, std::max(done, expected));
  }
  const IndexTotals after_prune = options.dry_run ? before : index.totals();
  report.kept_entries = after_prune.entries - (options.dry_run ? report.removed_entries : 0);
  report.kept_bytes = after_prune.bytes - (options.dry_run ? report.removed_bytes : 0);
  return report;
}

}  // namespace imgcache
