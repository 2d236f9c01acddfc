// The cache index (core/cache_index.h) under the store, the pruner and the loader: rows
// follow publish and remove, totals are right without a walk, a prune looks at the entries
// it removes and no others, a read noted by another process is never evicted, and the
// index survives a writer killed mid-update, a walk killed halfway, a corrupt file and
// being deleted while in use — losing no entry in any of them.
#include "core/cache_index.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "core/cache_layout.h"
#include "core/cache_loader.h"
#include "core/cache_pruner.h"
#include "core/cache_store.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace imgcache {
namespace {

namespace fs = std::filesystem;
using testing::FakeClock;
using testing::TempDir;

std::string key(int i) {
  return "https://origin.example 150x150 /photo-" + std::to_string(i) + ".jpg";
}

std::uint64_t disk_bytes_of(const std::string& body) {
  std::uint64_t bytes = 0;
  for (const std::string& path : {body, body + ".meta"}) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    bytes += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return bytes;
}

class CacheIndexTest : public ::testing::Test {
 protected:
  CacheEntry publish(CacheStore& store, const std::string& k,
                     const std::string& type = "image/jpeg", std::size_t size = 100) {
    EntryMeta meta;
    meta.key = k;
    meta.content_type = type;
    meta.width = 150;
    meta.height = 100;
    meta.created = meta.validated = clock_.now();
    meta.etag = "\"etag\"";
    meta.source_url = "https://origin.example/photo.jpg";
    return store.publish(std::string(size, 'x'), meta);
  }

  // Entries 0..n-1, entry i read i seconds after the oldest, an hour or more ago (its file
  // and its index row say so, as after a walk of the tree).
  void publish_many(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string body = publish(store_, key(i)).path;
      const UnixTime read = clock_.now() - 3600 - n + i;
      struct timespec times[2] = {{read, 0}, {0, UTIME_OMIT}};
      ASSERT_EQ(::utimensat(AT_FDCWD, body.c_str(), times, 0), 0);
      store_.index().set_last_read({{key_digest(key(i)), read}});
    }
  }

  // Entries on disk: body files with a meta beside them.
  int entries_on_disk() const {
    int count = 0;
    for (const auto& item : fs::recursive_directory_iterator(root())) {
      const std::string name = item.path().filename().string();
      if (name.size() == 37 && name.ends_with(".meta")) ++count;
    }
    return count;
  }

  void remove_index_files() const {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(index_path_of(root()) + suffix);
  }

  std::string root() const { return dir_.path() + "/cache"; }

  TempDir dir_;
  FakeClock clock_;
  CacheStore store_{root(), {1, 2}};
};

TEST_F(CacheIndexTest, RowsFollowPublishAndRemoveWithRunningTotals) {
  std::uint64_t bytes = 0;
  for (int i = 0; i < 3; ++i) bytes += disk_bytes_of(publish(store_, key(i)).path);
  bytes += disk_bytes_of(publish(store_, key(3), "image/png", 9000).path);
  IndexTotals totals = store_.index().totals();
  EXPECT_EQ(totals.entries, 4u);
  EXPECT_EQ(totals.bytes, bytes);
  std::map<std::string, std::uint64_t> by_type;
  for (const IndexCount& count : store_.index().counts()) {
    by_type[count.content_type] += count.entries;
    EXPECT_EQ(count.hour, clock_.now() / 3600);
  }
  EXPECT_EQ(by_type, (std::map<std::string, std::uint64_t>{{"image/jpeg", 3}, {"image/png", 1}}));

  publish(store_, key(0), "image/webp");  // replaced: still one entry
  ASSERT_TRUE(store_.remove(key(1)));
  totals = store_.index().totals();
  EXPECT_EQ(totals.entries, 3u);
  by_type.clear();
  for (const IndexCount& count : store_.index().counts())
    by_type[count.content_type] += count.entries;
  EXPECT_EQ(by_type, (std::map<std::string, std::uint64_t>{
                         {"image/jpeg", 1}, {"image/png", 1}, {"image/webp", 1}}));
  EXPECT_EQ(store_.index().entries_of_source(source_id("https://origin.example", "photo-3.jpg")),
            std::vector<std::string>{key_digest(key(3))});
}

TEST_F(CacheIndexTest, PruneLooksAtTheEntriesItRemovesAndNoOthers) {
  publish_many(2000);
  const std::uint64_t entry_bytes = store_.index().totals().bytes / 2000;
  PruneLimits limits;
  limits.max_size = 1990 * entry_bytes;
  PruneReport report = prune_cache(store_, limits, clock_);
  EXPECT_EQ(report.removed_entries, 10u);
  EXPECT_EQ(report.scanned_entries, 10u);
  EXPECT_EQ(report.kept_entries, 1990u);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(store_.lookup(key(i))) << i;
  EXPECT_TRUE(store_.lookup(key(10)));
  EXPECT_EQ(entries_on_disk(), 1990);

  report = prune_cache(store_, limits, clock_);  // nothing to do: nothing looked at
  EXPECT_EQ(report.removed_entries, 0u);
  EXPECT_EQ(report.scanned_entries, 0u);
}

TEST_F(CacheIndexTest, AReadNotedByAnotherProcessIsNeverEvicted) {
  publish_many(2);  // entry 0 is the least recently read
  const std::uint64_t entry_bytes = store_.index().totals().bytes / 2;
  // Another process reads entry 0; its note has not reached the index yet.
  CacheStore other(root(), {1, 2});
  ASSERT_TRUE(other.touch(*other.lookup(key(0)), clock_.now()));

  PruneLimits limits;
  limits.max_size = entry_bytes;
  PruneReport report = prune_cache(store_, limits, clock_);
  EXPECT_EQ(report.removed_entries, 1u);
  EXPECT_TRUE(store_.lookup(key(0)));
  EXPECT_FALSE(store_.lookup(key(1)));
}

TEST_F(CacheIndexTest, ReadsReachTheIndexInBatches) {
  publish_many(2);
  ASSERT_TRUE(store_.touch(*store_.lookup(key(0)), clock_.now()));
  auto order = store_.index().least_recently_read(std::nullopt, 10);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].hex, key_digest(key(0)));  // not written yet

  store_.index().flush_reads();
  order = store_.index().least_recently_read(std::nullopt, 10);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].hex, key_digest(key(1)));
  EXPECT_EQ(order[1].last_read, clock_.now());
}

TEST_F(CacheIndexTest, AWriterKilledMidUpdateLeavesTheIndexWholeAndWritable) {
  publish_many(3);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  if (child == 0) {
    // Another process, halfway through a transaction when it dies.
    sqlite3* db = nullptr;
    sqlite3_open(index_path_of(root()).c_str(), &db);
    const int rc = sqlite3_exec(db,
                                "BEGIN IMMEDIATE; DELETE FROM entries; INSERT INTO entries "
                                "VALUES(x'00', 1, 1, 1, 1, 1);",
                                nullptr, nullptr, nullptr);
    (void)!::write(ready[1], rc == SQLITE_OK ? "x" : "f", 1);
    ::pause();
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_EQ(byte, 'x') << "the other process's transaction did not start";

  publish(store_, key(3));  // the write lock of the dead process is gone
  EXPECT_FALSE(store_.index_missed_entries());
  IndexTotals totals = store_.index().totals();
  EXPECT_EQ(totals.entries, 4u);
  EXPECT_EQ(store_.index().least_recently_read(std::nullopt, 10).size(), 4u);
}

TEST_F(CacheIndexTest, AWalkKilledHalfwayIsRedoneAndLosesNothing) {
  publish_many(3000);
  remove_index_files();  // as if lost: every entry must come back from the files
  CacheStore fresh(root(), {1, 2});
  EXPECT_FALSE(fresh.index().loaded());
  pid_t child = ::fork();
  if (child == 0) {
    CacheStore walker(root(), {1, 2});
    load_cache_index(walker, clock_, {.rate = 3000});  // about a second
    ::_exit(0);
  }
  // Killed once it has written some rows (its first batch), long before it is through.
  EXPECT_TRUE(testing::wait_until([&] { return fresh.index().totals().entries > 0; }));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(fresh.index().loaded());
  EXPECT_GT(fresh.index().totals().entries, 0u);
  EXPECT_LT(fresh.index().totals().entries, 3000u);

  LoadReport report = load_cache_index(fresh, clock_);
  EXPECT_TRUE(report.finished);
  EXPECT_TRUE(fresh.index().loaded());
  EXPECT_EQ(fresh.index().totals().entries, 3000u);
}

TEST_F(CacheIndexTest, AWalkDuringWhichTheIndexIsReplacedDoesNotMarkItLoaded) {
  publish_many(600);
  remove_index_files();
  CacheStore walker(root(), {1, 2});
  int directories = 0;
  LoadReport report =
      load_cache_index(walker, clock_, {.stop = [&] {
                         // Halfway, the index goes.
                         if (++directories == 200) {
                           remove_index_files();
                           std::this_thread::sleep_for(std::chrono::milliseconds(1100));
                         }
                         return false;
                       }});
  EXPECT_FALSE(report.finished);
  EXPECT_FALSE(walker.index().loaded()) << "the new index lacks what was walked before";
  ASSERT_TRUE(load_cache_index(walker, clock_).finished);
  EXPECT_EQ(walker.index().totals().entries, 600u);
}

TEST_F(CacheIndexTest, ACorruptIndexIsRemovedAndRebuilt) {
  publish_many(5);
  remove_index_files();
  std::ofstream(index_path_of(root())) << std::string(8192, 'g');
  std::string logged;
  CacheStore store(root(), {1, 2}, [&](std::string_view line) { logged += line; });

  publish(store, key(5));  // served and cached even so
  EXPECT_TRUE(store.lookup(key(5)));
  // Its row waits in memory for the next write, into a database started again.
  store.index().flush_reads();
  EXPECT_EQ(store.index().totals().entries, 1u);
  EXPECT_FALSE(store.index().loaded());
  EXPECT_NE(logged.find("(removed; it is rebuilt from the files)"), std::string::npos) << logged;

  LoadReport report = load_cache_index(store, clock_);
  EXPECT_TRUE(report.finished);
  EXPECT_EQ(store.index().totals().entries, 6u);
}

TEST_F(CacheIndexTest, AnIndexDeletedInUseIsReopenedAndRefilled) {
  publish_many(2);
  remove_index_files();
  // Each process checks at most once a second that its file is still the index.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  publish(store_, key(2));
  EXPECT_TRUE(fs::exists(index_path_of(root())));
  EXPECT_FALSE(store_.index().loaded());
  EXPECT_EQ(store_.index().totals().entries, 1u);

  ASSERT_TRUE(load_cache_index(store_, clock_).finished);
  EXPECT_EQ(store_.index().totals().entries, 3u);
  EXPECT_EQ(entries_on_disk(), 3);
}

}  // namespace
}  // namespace imgcache
