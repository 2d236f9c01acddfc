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
    ReadTimes read_since;
    std::vector<std::string> doomed;  // removed in one go, with rows without files
    std::map<std::string, std::uint64_t> doomed_bytes;
    std::map<std::string, UnixTime> last_read_of;  // as the index had it
    for (const IndexedEntry& entry : batch) {
      if (!inactive(entry.last_read) && !over()) {
        more = false;  // every later entry was read more recently
        break;
      }
      after = entry;
      ++report.scanned_entries;
      UnixTime file_read = 0;
      switch (body_state(store.path_of_digest(entry.hex), entry.last_read, file_read)) {
        case BodyState::read_later:
          // Its row moves back, to be met again in this walk or a later one if due.
          read_since.emplace_back(entry.hex, file_read);
          continue;
        case BodyState::gone:  // a row left by a crash or an outside removal
          doomed.push_back(entry.hex);
          last_read_of[entry.hex] = 0;  // files that appear meanwhile are spared
          break;
        case BodyState::as_indexed:
          doomed.push_back(entry.hex);
          doomed_bytes[entry.hex] = entry.bytes;
          last_read_of[entry.hex] = entry.last_read;
          break;
      }
      remaining -= std::min(remaining, entry.bytes);
    }
    if (options.dry_run) {
      for (const auto& [hex, bytes] : doomed_bytes) {
        ++report.removed_entries;
        report.removed_bytes += bytes;
        if (options.removed) options.removed({hex, bytes, last_read_of.at(hex)});
      }
      continue;
    }
    index.set_last_read(read_since);
    // Asked again under each entry's lock: one read or written since it was looked at stays.
    const std::vector<std::string> removed = store.remove_idle(doomed, [&](const std::string& hex) {
      UnixTime ignored = 0;
      return body_state(store.path_of_digest(hex), last_read_of.at(hex), ignored) !=
             BodyState::read_later;
    });
    const std::set<std::string> gone(removed.begin(), removed.end());
    for (const auto& [hex, bytes] : doomed_bytes) {
      if (gone.contains(hex)) {
        ++report.removed_entries;
        report.removed_bytes += bytes;
        ++done;
        if (options.removed) options.removed({hex, bytes, last_read_of.at(hex)});
      } else {
        // Busy (key lock held): skipped, and the next one removed in its place, as nginx's
        // cache manager does, so the cache still ends within max_size.
        remaining += bytes;
        more = more || over();
      }
    }
    if (options.progress && !doomed_bytes.empty()) {
      options.progress(done, std::max(done, expected));
    }
  }
  const IndexTotals after_prune = options.dry_run ? before : index.totals();
  report.kept_entries = after_prune.entries - (options.dry_run ? report.removed_entries : 0);
  report.kept_bytes = after_prune.bytes - (options.dry_run ? report.removed_bytes : 0);
  return report;
}

}  // namespace imgcache
