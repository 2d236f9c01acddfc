// The cache's lifecycle (SPEC §4): last-read times kept by CacheStore::touch, the directory
// walk of scan_cache, and prune_cache's policy — idle entries first, then least recently
// read until the cache is within max_size — with dry runs, busy entries, one prune at a
// time; and the loader's sweeping of leftovers from interrupted writes.
#include "core/cache_pruner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/cache_layout.h"
#include "core/cache_loader.h"
#include "core/cache_scan.h"
#include "core/cache_store.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"

namespace imgcache {
namespace {

namespace fs = std::filesystem;
using testing::FakeClock;
using testing::TempDir;

constexpr UnixTime kHour = 3600;
constexpr UnixTime kDay = 86400;
// prune_cache's grace period for leftovers of interrupted writes (10 minutes).
constexpr UnixTime kGrace = 600;

std::string key(int i) {
  return "https://origin.example 150x150 /photo-" + std::to_string(i) + ".jpg";
}

// Sets a file's access and/or modification time (nullopt: leave it).
void set_times(const std::string& path, std::optional<UnixTime> atime,
               std::optional<UnixTime> mtime) {
  struct timespec times[2] = {{atime.value_or(0), atime ? 0 : UTIME_OMIT},
                              {mtime.value_or(0), mtime ? 0 : UTIME_OMIT}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

std::uint64_t blocks_of(const std::string& path) {
  return static_cast<std::uint64_t>(stat_of(path).st_blocks) * 512;
}

class CachePrunerTest : public ::testing::Test {
 protected:
  // An entry of `size` bytes created (and so last read) at `created`.
  CacheEntry publish(const std::string& k, UnixTime created, std::size_t size = 100) {
    EntryMeta meta;
    meta.key = k;
    meta.content_type = "image/jpeg";
    meta.width = 150;
    meta.height = 100;
    meta.created = meta.validated = created;
    meta.etag = "\"etag\"";
    meta.source_url = "https://origin.example/photo.jpg";
    return store_.publish(std::string(size, 'x'), meta);
  }

  // An entry created a day ago and last read at `last_read` (its file and its index row
  // say so, as after a walk of the tree).
  CacheEntry publish_read_at(const std::string& k, UnixTime last_read, std::size_t size = 100) {
    CacheEntry entry = publish(k, clock_.now() - kDay, size);
    set_times(entry.path, last_read, std::nullopt);
    store_.index().set_last_read({{key_digest(k), last_read}});
    return entry;
  }

  // Blocks on disk of an entry's body and meta, as the pruner counts them.
  static std::uint64_t disk_bytes(const CacheEntry& entry) {
    return blocks_of(entry.path) + blocks_of(entry.path + ".meta");
  }

  bool cached(const std::string& k) const { return store_.lookup(k).has_value(); }

  // Which of keys 0..n-1 are still in the cache.
  std::set<int> surviving(int n) const {
    std::set<int> out;
    for (int i = 0; i < n; ++i) {
      if (cached(key(i))) out.insert(i);
    }
    return out;
  }

  PruneReport prune(PruneLimits limits, bool dry_run = false) {
    PruneOptions options;
    options.dry_run = dry_run;
    return prune_cache(store_, limits, clock_, options);
  }

  // Every regular file of the cache outside its lock directory and index, with its size.
  std::map<std::string, std::uintmax_t> files() const {
    std::map<std::string, std::uintmax_t> out;
    for (const auto& item : fs::recursive_directory_iterator(store_.root())) {
      if (item.is_regular_file() && item.path().parent_path().filename() != ".locks" &&
          !item.path().filename().string().starts_with(".index")) {
        out[item.path().string()] = item.file_size();
      }
    }
    return out;
  }

  TempDir dir_;
  CacheStore store_{dir_.path() + "/cache", {1, 2}};
  FakeClock clock_;
};

PruneLimits inactive_after(UnixTime seconds) {
  PruneLimits limits;
  limits.inactive = Seconds(seconds);
  return limits;
}

PruneLimits max_size(std::uint64_t bytes) {
  PruneLimits limits;
  limits.max_size = bytes;
  return limits;
}

// Runs f in another thread, and fails (instead of hanging) if it blocks: then `held`, the
// lock it waits for, is released to let it finish.
template <typename F>
auto without_blocking(F f, std::optional<CacheStore::KeyLock>& held) {
  auto result = std::async(std::launch::async, std::move(f));
  if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "blocked on a held lock";
    held.reset();
  }
  return result.get();
}

PruneReport prune_without_blocking(CacheStore& store, const PruneLimits& limits, const Clock& clock,
                                   std::optional<CacheStore::KeyLock>& held) {
  PruneOptions options;
  options.wait = false;
  return without_blocking([&] { return prune_cache(store, limits, clock, options); }, held);
}

// --- CacheStore: last-read times ---

TEST_F(CachePrunerTest, LookupReportsTheBodysAccessTime) {
  const UnixTime created = clock_.now() - kHour;
  CacheEntry entry = publish(key(0), created);
  auto found = store_.lookup(key(0));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->last_read, created);  // a new entry counts as read when created
  EXPECT_EQ(found->last_read, stat_of(entry.path).st_atime);

  set_times(entry.path, clock_.now() - 123, std::nullopt);
  found = store_.lookup(key(0));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->last_read, clock_.now() - 123);
  EXPECT_EQ(found->last_read, stat_of(entry.path).st_atime);
}

TEST_F(CachePrunerTest, TouchWritesTheAccessTimeAtMostOncePerInterval) {
  const UnixTime created = clock_.now() - kHour;
  CacheEntry entry = publish(key(0), created);

  store_.touch(*store_.lookup(key(0)), clock_.now());
  EXPECT_EQ(stat_of(entry.path).st_atime, clock_.now());
  EXPECT_EQ(stat_of(entry.path).st_mtime, created);  // the entry's date is not touched
  EXPECT_EQ(store_.lookup(key(0))->last_read, clock_.now());
  const UnixTime first = clock_.now();

  // Within the interval a read is not written down (no write per request).
  clock_.advance(kTouchInterval - 1);
  store_.touch(*store_.lookup(key(0)), clock_.now());
  EXPECT_EQ(stat_of(entry.path).st_atime, first);
  EXPECT_EQ(store_.lookup(key(0))->last_read, first);

  // Past it, it is.
  clock_.advance(2);
  store_.touch(*store_.lookup(key(0)), clock_.now());
  EXPECT_EQ(stat_of(entry.path).st_atime, clock_.now());
  EXPECT_EQ(store_.lookup(key(0))->last_read, clock_.now());
  EXPECT_EQ(stat_of(entry.path).st_mtime, created);
}

TEST_F(CachePrunerTest, RemoveDigestLeavesABusyEntryAlone) {
  publish(key(0), clock_.now());
  const std::string hex = key_digest(key(0));
  std::optional<CacheStore::KeyLock> held;
  held.emplace(store_.lock(key(0)));
  EXPECT_FALSE(without_blocking([&] { return store_.remove_digest(hex, false); }, held));
  EXPECT_TRUE(cached(key(0)));
  held.reset();
  EXPECT_TRUE(store_.remove_digest(hex, false));
  EXPECT_FALSE(cached(key(0)));
  EXPECT_FALSE(store_.remove_digest(hex, false));  // nothing left to remove
}

// --- scan_cache ---

TEST_F(CachePrunerTest, ScanReportsEntriesAndTemporaryFiles) {
  CacheStore deep(dir_.path() + "/deep", {1, 2, 2});
  EntryMeta meta;
  meta.key = key(0);
  meta.content_type = "image/png";
  meta.created = clock_.now() - kDay;
  CacheEntry entry = deep.publish(std::string(5000, 'y'), meta);
  set_times(entry.path, clock_.now() - kHour, std::nullopt);
  const std::string temp = entry.path + ".tmp-Ab12Cd";
  dir_.write("deep/" + fs::relative(temp, deep.root()).string(), "partial");
  set_times(temp, std::nullopt, clock_.now() - 42);
  { auto held = deep.lock(key(1)); }  // creates .locks/ with a lock file

  std::vector<EntryFiles> entries;
  std::map<std::string, UnixTime> temps;
  scan_cache(deep.root(),
             {[&](const EntryFiles& files) { entries.push_back(files); },
              [&](const std::string& path, UnixTime modified) { temps[path] = modified; }});
  ASSERT_EQ(entries.size(), 1u);
  const EntryFiles& files = entries[0];
  EXPECT_EQ(files.body_path, entry.path);
  EXPECT_EQ(files.hex, key_digest(key(0)));
  EXPECT_TRUE(files.has_body);
  EXPECT_TRUE(files.has_meta);
  EXPECT_EQ(files.last_read, clock_.now() - kHour);
  EXPECT_EQ(files.modified, clock_.now() - kDay);
  EXPECT_EQ(files.disk_bytes, disk_bytes(entry));
  EXPECT_GE(files.disk_bytes, 5000u);
  EXPECT_EQ(temps, (std::map<std::string, UnixTime>{{temp, clock_.now() - 42}}));
}

// --- prune_cache ---

TEST_F(CachePrunerTest, NothingToDoWithoutLimits) {
  for (int i = 0; i < 3; ++i) publish_read_at(key(i), clock_.now() - 400 * kDay);
  PruneReport report = prune(PruneLimits{});
  EXPECT_FALSE(report.skipped);
  EXPECT_EQ(report.scanned_entries, 0u);
  EXPECT_EQ(report.removed_entries, 0u);
  EXPECT_EQ(report.kept_entries, 3u);
  EXPECT_EQ(surviving(3), (std::set<int>{0, 1, 2}));
}

TEST_F(CachePrunerTest, InactiveEntriesAreRemoved) {
  const UnixTime now = clock_.now();
  CacheEntry idle = publish_read_at(key(0), now - 2 * kDay);
  CacheEntry recent = publish_read_at(key(1), now - kHour);
  CacheEntry just_inside = publish_read_at(key(2), now - kDay + 1);
  // Created long ago but read recently: judged by the last read, not the creation.
  CacheEntry old_but_read = publish(key(3), now - 300 * kDay);
  store_.touch(*store_.lookup(key(3)), now - 10);
  const std::uint64_t idle_bytes = disk_bytes(idle);
  const std::uint64_t kept_bytes =
      disk_bytes(recent) + disk_bytes(just_inside) + disk_bytes(old_but_read);

  PruneReport report = prune(inactive_after(kDay));
  EXPECT_FALSE(report.skipped);
  EXPECT_EQ(report.scanned_entries, 1u);  // the walk stops at the first entry it keeps
  EXPECT_EQ(report.removed_entries, 1u);
  EXPECT_EQ(report.removed_bytes, idle_bytes);
  EXPECT_EQ(report.kept_entries, 3u);
  EXPECT_EQ(report.kept_bytes, kept_bytes);
  EXPECT_EQ(surviving(4), (std::set<int>{1, 2, 3}));
  EXPECT_FALSE(fs::exists(idle.path));
  EXPECT_FALSE(fs::exists(idle.path + ".meta"));

  // A day later, only the entry read again in the meantime is left.
  clock_.advance(kDay);
  store_.touch(*store_.lookup(key(3)), clock_.now());
  report = prune(inactive_after(kDay));
  EXPECT_EQ(report.removed_entries, 2u);
  EXPECT_EQ(surviving(4), (std::set<int>{3}));
}

TEST_F(CachePrunerTest, OverMaxSizeRemovesTheLeastRecentlyReadFirst) {
  // Last reads in an order unrelated to key or creation order: 3, 0, 4, 1, 2 (oldest first).
  const UnixTime now = clock_.now();
  const std::map<int, UnixTime> last_read = {
      {0, now - 400}, {1, now - 200}, {2, now - 100}, {3, now - 500}, {4, now - 300}};
  std::map<int, std::uint64_t> bytes;
  for (const auto& [i, read] : last_read) {
    bytes[i] = disk_bytes(publish_read_at(key(i), read, 1000 + 3000 * static_cast<std::size_t>(i)));
  }
  std::uint64_t total = 0;
  for (const auto& [i, b] : bytes) total += b;
  // Room for the two most recently read (1 and 2), not for a third.
  const std::uint64_t limit = bytes[1] + bytes[2];

  PruneReport report = prune(max_size(limit));
  EXPECT_EQ(surviving(5), (std::set<int>{1, 2}));
  EXPECT_EQ(report.scanned_entries, 3u);
  EXPECT_EQ(report.removed_entries, 3u);
  EXPECT_EQ(report.removed_bytes, bytes[0] + bytes[3] + bytes[4]);
  EXPECT_EQ(report.kept_entries, 2u);
  EXPECT_EQ(report.kept_bytes, limit);
  EXPECT_EQ(report.removed_bytes + report.kept_bytes, total);

  // Within the limit: nothing more goes.
  report = prune(max_size(limit));
  EXPECT_EQ(report.removed_entries, 0u);
  EXPECT_EQ(surviving(5), (std::set<int>{1, 2}));

  // One byte under it: the less recently read of the two goes.
  report = prune(max_size(limit - 1));
  EXPECT_EQ(report.removed_entries, 1u);
  EXPECT_EQ(surviving(5), (std::set<int>{2}));
}

TEST_F(CachePrunerTest, KeysSharingALockFileAreRemovedInOneRound) {
  // Keys whose digests start with the same three hex digits share a lock file: the
  // pruner holding it for the first must not find the second busy.
  std::map<std::string, std::string> first_of_prefix;
  std::string a, b;
  for (int i = 0; b.empty(); ++i) {
    const std::string k = "shared-lock-" + std::to_string(i);
    auto [found, fresh] = first_of_prefix.emplace(key_digest(k).substr(0, 3), k);
    if (!fresh) a = found->second, b = k;
  }
  const UnixTime now = clock_.now();
  const std::uint64_t old_a = disk_bytes(publish_read_at(a, now - 500));
  const std::uint64_t old_b = disk_bytes(publish_read_at(b, now - 400));
  const std::uint64_t newer = disk_bytes(publish_read_at("newer", now - 100));

  PruneReport report = prune(max_size(newer));
  EXPECT_FALSE(cached(a));
  EXPECT_FALSE(cached(b)) << "the second key of the lock file was skipped as busy";
  EXPECT_TRUE(cached("newer")) << "removed in place of one read less recently";
  EXPECT_EQ(report.removed_bytes, old_a + old_b);
}

TEST_F(CachePrunerTest, InactivityAndSizeTogether) {
  const UnixTime now = clock_.now();
  std::map<int, std::uint64_t> bytes;
  bytes[0] = disk_bytes(publish_read_at(key(0), now - 3 * kDay));  // idle
  bytes[1] = disk_bytes(publish_read_at(key(1), now - 30));
  bytes[2] = disk_bytes(publish_read_at(key(2), now - 20));
  bytes[3] = disk_bytes(publish_read_at(key(3), now - 10));
  PruneLimits limits = inactive_after(kDay);
  limits.max_size = bytes[2] + bytes[3];
  PruneReport report = prune(limits);
  EXPECT_EQ(report.removed_entries, 2u);
  EXPECT_EQ(surviving(4), (std::set<int>{2, 3}));
  EXPECT_LE(report.kept_bytes, limits.max_size);
}

TEST_F(CachePrunerTest, DryRunRemovesNothingButReportsTheSame) {
  const UnixTime now = clock_.now();
  publish_read_at(key(0), now - 3 * kDay);  // idle
  std::uint64_t newest = 0;
  for (int i = 1; i < 5; ++i) newest = disk_bytes(publish_read_at(key(i), now - 100 + i));
  PruneLimits limits = inactive_after(kDay);
  limits.max_size = newest;  // room for key 4 only
  const auto before = files();

  PruneReport dry = prune(limits, /*dry_run=*/true);
  EXPECT_EQ(files(), before);  // not one file removed or changed
  EXPECT_EQ(surviving(5), (std::set<int>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(dry.skipped);
  EXPECT_EQ(dry.removed_entries, 4u);

  PruneReport real = prune(limits);
  EXPECT_EQ(surviving(5), (std::set<int>{4}));
  EXPECT_EQ(dry.scanned_entries, real.scanned_entries);
  EXPECT_EQ(dry.removed_entries, real.removed_entries);
  EXPECT_EQ(dry.removed_bytes, real.removed_bytes);
  EXPECT_EQ(dry.kept_entries, real.kept_entries);
  EXPECT_EQ(dry.kept_bytes, real.kept_bytes);
}

TEST_F(CachePrunerTest, BusyEntryIsSkippedAndSurvives) {
  const UnixTime now = clock_.now();
  for (int i = 0; i < 3; ++i) publish_read_at(key(i), now - 2 * kDay);
  // Key locks are shared by digests with the same first three characters.
  ASSERT_NE(key_digest(key(1)).substr(0, 3), key_digest(key(0)).substr(0, 3));
  ASSERT_NE(key_digest(key(1)).substr(0, 3), key_digest(key(2)).substr(0, 3));

  std::optional<CacheStore::KeyLock> held;
  held.emplace(store_.lock(key(1)));  // being rewritten by a request
  PruneReport report = prune_without_blocking(store_, inactive_after(kDay), clock_, held);
  EXPECT_EQ(surviving(3), (std::set<int>{1}));
  EXPECT_EQ(report.removed_entries, 2u);
  EXPECT_EQ(report.kept_entries, 1u);
  held.reset();

  report = prune(inactive_after(kDay));
  EXPECT_EQ(report.removed_entries, 1u);
  EXPECT_EQ(surviving(3), (std::set<int>{}));
}

TEST_F(CachePrunerTest, BusyEntryDoesNotKeepTheCacheOverMaxSize) {
  // nginx's cache manager skips an entry in use and removes the next one instead.
  const UnixTime now = clock_.now();
  std::uint64_t entry_bytes = 0;
  for (int i = 0; i < 4; ++i) entry_bytes = disk_bytes(publish_read_at(key(i), now - 100 + i));
  for (int i = 1; i < 4; ++i) {
    ASSERT_NE(key_digest(key(i)).substr(0, 3), key_digest(key(0)).substr(0, 3));
  }
  std::optional<CacheStore::KeyLock> held;
  held.emplace(store_.lock(key(0)));  // the least recently read is busy
  PruneReport report = prune_without_blocking(store_, max_size(2 * entry_bytes), clock_, held);
  held.reset();
  EXPECT_EQ(surviving(4), (std::set<int>{0, 3}));
  EXPECT_EQ(report.removed_entries, 2u);
  EXPECT_LE(report.kept_bytes, 2 * entry_bytes);
}

TEST_F(CachePrunerTest, ConcurrentPruneIsSkippedWhenNotWaiting) {
  publish_read_at(key(0), clock_.now() - 2 * kDay);
  std::optional<CacheStore::KeyLock> held = store_.lock_named("prune", true);
  ASSERT_TRUE(held);
  // Another store on the same directory, as another process would have.
  CacheStore other(store_.root(), {1, 2});
  PruneReport report = prune_without_blocking(other, inactive_after(kDay), clock_, held);
  EXPECT_TRUE(report.skipped);
  EXPECT_EQ(report.scanned_entries, 0u);
  EXPECT_EQ(report.removed_entries, 0u);
  EXPECT_TRUE(cached(key(0)));
  held.reset();

  report = prune_without_blocking(other, inactive_after(kDay), clock_, held);
  EXPECT_FALSE(report.skipped);
  EXPECT_EQ(report.removed_entries, 1u);
  EXPECT_FALSE(cached(key(0)));
}

TEST_F(CachePrunerTest, LeftoversAreSweptAfterTheGracePeriod) {
  const UnixTime now = clock_.now();
  CacheEntry complete = publish_read_at(key(0), now);
  // Bodies whose meta never appeared (the body's mtime is its creation).
  CacheEntry old_body = publish(key(1), now - kGrace - 60);
  fs::remove(old_body.path + ".meta");
  CacheEntry young_body = publish(key(2), now - kGrace + 60);
  fs::remove(young_body.path + ".meta");
  // Temporary files of writes that never reached their rename.
  const std::string old_temp = complete.path + ".tmp-Old123";
  const std::string old_meta_temp = complete.path + ".meta.tmp-Old456";
  const std::string young_temp = young_body.path + ".tmp-New123";
  for (const std::string& path : {old_temp, old_meta_temp, young_temp}) {
    dir_.write(fs::relative(path, dir_.path()).string(), "half");
  }
  set_times(old_temp, std::nullopt, now - kGrace - 1);
  set_times(old_meta_temp, std::nullopt, now - 2 * kDay);
  set_times(young_temp, std::nullopt, now - kGrace + 60);

  LoadReport report = load_cache_index(store_, clock_);
  EXPECT_EQ(report.swept_files, 3u);
  EXPECT_EQ(report.entries, 1u);  // leftovers are not entries
  EXPECT_FALSE(fs::exists(old_body.path));
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_FALSE(fs::exists(old_meta_temp));
  EXPECT_TRUE(fs::exists(young_body.path));
  EXPECT_TRUE(fs::exists(young_temp));
  EXPECT_TRUE(cached(key(0)));

  // Once they are old enough, the rest go too.
  clock_.advance(kGrace);
  report = load_cache_index(store_, clock_);
  EXPECT_EQ(report.swept_files, 2u);
  EXPECT_FALSE(fs::exists(young_body.path));
  EXPECT_FALSE(fs::exists(young_temp));
  EXPECT_TRUE(cached(key(0)));
}

TEST_F(CachePrunerTest, LeftoverBeingWrittenIsNotSwept) {
  const UnixTime now = clock_.now();
  CacheEntry body = publish(key(0), now - kDay);
  fs::remove(body.path + ".meta");
  std::optional<CacheStore::KeyLock> held;
  held.emplace(store_.lock(key(0)));
  LoadReport report = without_blocking([&] { return load_cache_index(store_, clock_); }, held);
  EXPECT_EQ(report.swept_files, 0u);
  EXPECT_TRUE(fs::exists(body.path));
}

TEST_F(CachePrunerTest, LockDirectoryIsNeverTouched) {
  const UnixTime old = clock_.now() - 100 * kDay;
  for (int i = 0; i < 3; ++i) {
    publish_read_at(key(i), old);
    auto held = store_.lock(key(i));
  }
  { auto held = store_.lock_named("prune", true); }
  { auto held = store_.lock_named("loader", true); }
  // Even files there that look like entries or leftovers.
  const std::string locks = store_.root() + "/.locks";
  const std::string entry_like = locks + "/" + key_digest("not an entry");
  const std::string temp_like = locks + "/abc.tmp-XXXXXX";
  dir_.write(fs::relative(entry_like, dir_.path()).string(), "x");
  dir_.write(fs::relative(temp_like, dir_.path()).string(), "x");
  std::set<std::string> before;
  for (const auto& item : fs::directory_iterator(locks)) {
    set_times(item.path().string(), old, old);
    before.insert(item.path().string());
  }
  ASSERT_GE(before.size(), 5u);

  PruneLimits limits = inactive_after(1);
  limits.max_size = 1;
  EXPECT_EQ(load_cache_index(store_, clock_).swept_files, 0u);
  PruneReport report = prune(limits);
  EXPECT_EQ(report.removed_entries, 3u);
  std::set<std::string> after;
  for (const auto& item : fs::directory_iterator(locks)) after.insert(item.path().string());
  EXPECT_EQ(after, before);
  EXPECT_EQ(stat_of(entry_like).st_mtime, old);
}

TEST_F(CachePrunerTest, ByteCountsAreBlocksOfBodyAndMeta) {
  const UnixTime now = clock_.now();
  std::uint64_t sum = 0;
  int i = 0;
  for (std::size_t size : {1u, 4095u, 4097u, 70000u}) {
    CacheEntry entry = publish_read_at(key(i++), now - 10, size);
    const std::uint64_t blocks = blocks_of(entry.path) + blocks_of(entry.path + ".meta");
    EXPECT_GE(blocks, size);
    sum += blocks;
  }
  PruneReport report = prune(PruneLimits{});
  EXPECT_EQ(report.kept_bytes, sum);
  EXPECT_EQ(report.removed_bytes, 0u);

  report = prune(max_size(1));
  EXPECT_EQ(report.removed_entries, 4u);
  EXPECT_EQ(report.removed_bytes, sum);
  EXPECT_EQ(report.kept_bytes, 0u);
  EXPECT_EQ(report.kept_entries, 0u);
}

TEST_F(CachePrunerTest, ProgressCountsRemovals) {
  for (int i = 0; i < 3; ++i) publish_read_at(key(i), clock_.now() - 2 * kDay);
  publish_read_at(key(3), clock_.now());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
  PruneOptions options;
  options.progress = [&](std::uint64_t done, std::uint64_t total) {
    calls.emplace_back(done, total);
  };
  PruneReport report = prune_cache(store_, inactive_after(kDay), clock_, options);
  EXPECT_EQ(report.removed_entries, 3u);
  // Once per batch of removals: here one.
  EXPECT_EQ(calls, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{3, 3}}));
}

// --- the loader's sweep: temporary files of writers that died ---

TEST_F(CachePrunerTest, LoaderSweepsOnlyTheWritesOfDeadProcesses) {
  CacheEntry entry = publish(key(0), clock_.now());
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // the child's pid now names no process
  const std::string dead = entry.path + ".tmp-" + std::to_string(child) + "-abc123";
  const std::string alive = entry.path + ".tmp-" + std::to_string(::getpid()) + "-def456";
  std::ofstream(dead) << "half";
  std::ofstream(alive) << "half";
  for (const std::string& path : {dead, alive}) set_times(path, std::nullopt, clock_.now());

  EXPECT_EQ(load_cache_index(store_, clock_).swept_files, 1u);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive)) << "a write in progress stays";
  EXPECT_TRUE(cached(key(0))) << "entries are not touched";
}

}  // namespace
}  // namespace imgcache
