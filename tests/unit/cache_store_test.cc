// The on-disk cache (SPEC §4): atomic entries, self-checking lookups, per-key locks.
#include "core/cache_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "core/cache_layout.h"
#include "tests/support/temp_dir.h"

namespace imgcache {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

EntryMeta sample_meta(const std::string& key) {
  EntryMeta meta;
  meta.key = key;
  meta.content_type = "image/jpeg";
  meta.width = 150;
  meta.height = 112;
  meta.created = 1'800'000'000;
  meta.validated = 1'800'000'100;
  meta.etag = "\"0123456789abcdef\"";
  meta.origin_etag = "\"origin-etag\"";
  meta.origin_last_modified = "Sun, 06 Nov 1994 08:49:37 GMT";
  meta.source_url = "https://upload.wikimedia.org/wikipedia/commons/0/01/Tiger.25.jpg";
  return meta;
}

void expect_same_meta(const EntryMeta& a, const EntryMeta& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.content_type, b.content_type);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.validated, b.validated);
  EXPECT_EQ(a.etag, b.etag);
  EXPECT_EQ(a.origin_etag, b.origin_etag);
  EXPECT_EQ(a.origin_last_modified, b.origin_last_modified);
  EXPECT_EQ(a.source_url, b.source_url);
}

const std::string kKey =
    "https://upload.wikimedia.org 150x150 /wikipedia/commons/0/01/Tiger.25.jpg";
const std::string kBytes = std::string("\xff\xd8\xff\xe0 not really a jpeg \0 with a NUL", 36);

class CacheStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  CacheStore store_{dir_.path(), {1, 2}};
};

TEST_F(CacheStoreTest, PathFollowsTheNginxLayout) {
  std::string hex = key_digest(kKey);
  EXPECT_EQ(store_.path_for(kKey),
            dir_.path() + "/" + hex.substr(31, 1) + "/" + hex.substr(29, 2) + "/" + hex);
  CacheStore trailing(dir_.path() + "/", {2});
  EXPECT_EQ(trailing.path_for(kKey), dir_.path() + "/" + hex.substr(30, 2) + "/" + hex);
}

TEST_F(CacheStoreTest, LookupOfAnAbsentKey) {
  EXPECT_EQ(store_.lookup(kKey), std::nullopt);
  EXPECT_FALSE(store_.remove(kKey));
}

TEST_F(CacheStoreTest, PublishThenLookup) {
  CacheEntry published = store_.publish(kBytes, sample_meta(kKey));
  EXPECT_EQ(published.path, store_.path_for(kKey));
  EXPECT_EQ(published.meta.size, kBytes.size());
  EXPECT_EQ(published.meta.key, kKey);

  auto found = store_.lookup(kKey);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->path, published.path);
  expect_same_meta(found->meta, published.meta);
  EXPECT_EQ(store_.read_body(*found), kBytes);
  // The served bytes stand alone in the entry's file, for X-Accel-Redirect.
  EXPECT_EQ(read_file(store_.path_for(kKey)), kBytes);
}

TEST_F(CacheStoreTest, PublishReplacesAnEntry) {
  store_.publish(kBytes, sample_meta(kKey));
  EntryMeta meta = sample_meta(kKey);
  meta.width = 99;
  store_.publish("new bytes", meta);
  auto found = store_.lookup(kKey);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->meta.width, 99u);
  EXPECT_EQ(store_.read_body(*found), "new bytes");
}

TEST_F(CacheStoreTest, NoTemporaryFilesAreLeft) {
  for (int i = 0; i < 5; ++i) {
    store_.publish(kBytes + std::to_string(i), sample_meta(kKey + std::to_string(i)));
  }
  int files = 0;
  for (const auto& item : fs::recursive_directory_iterator(dir_.path())) {
    if (!item.is_regular_file()) continue;
    std::string name = item.path().filename().string();
    EXPECT_EQ(name.find(".tmp-"), std::string::npos) << item.path();
    if (item.path().parent_path().filename() != ".locks" && !name.starts_with(".index")) ++files;
  }
  EXPECT_EQ(files, 10);  // a body and a meta per entry, nothing else but the index
}

TEST_F(CacheStoreTest, FilesAreWorldReadableAndDatedByCreation) {
  // The front web server (another user) sends the body itself; Last-Modified is `created`.
  CacheEntry entry = store_.publish(kBytes, sample_meta(kKey));
  struct stat body;
  ASSERT_EQ(::stat(entry.path.c_str(), &body), 0);
  EXPECT_EQ(body.st_mode & 07777, 0644u);
  EXPECT_EQ(body.st_mtime, entry.meta.created);
  struct stat meta;
  ASSERT_EQ(::stat((entry.path + ".meta").c_str(), &meta), 0);
  EXPECT_EQ(meta.st_mode & 07777, 0644u);
}

TEST_F(CacheStoreTest, TruncatedMetaIsNoEntry) {
  CacheEntry entry = store_.publish(kBytes, sample_meta(kKey));
  std::string meta = read_file(entry.path + ".meta");
  for (std::size_t keep : {meta.size() - 1, meta.size() / 2, std::size_t{0}}) {
    write_file(entry.path + ".meta", meta.substr(0, keep));
    EXPECT_EQ(store_.lookup(kKey), std::nullopt) << "meta cut to " << keep << " bytes";
  }
  write_file(entry.path + ".meta", meta);
  EXPECT_TRUE(store_.lookup(kKey).has_value());
}

TEST(CacheStoreOddFiles, FilesThatAreNotRegularAreMissesAndLogged) {
  TempDir dir;
  std::vector<std::string> lines;
  CacheStore store(dir.path(), {1, 2},
                   [&lines](std::string_view line) { lines.emplace_back(line); });
  for (const char* odd : {"meta-fifo", "meta-link", "body-fifo", "body-link"}) {
    const std::string key = std::string("key of ") + odd;
    CacheEntry entry = store.publish(kBytes, sample_meta(key));
    const bool meta = std::string(odd).starts_with("meta");
    const std::string file = meta ? meta_path_of(entry.path) : entry.path;
    fs::remove(file);
    if (std::string(odd).ends_with("fifo")) {
      ASSERT_EQ(::mkfifo(file.c_str(), 0644), 0);
    } else {
      fs::create_symlink("/dev/zero", file);
    }
    EXPECT_EQ(store.lookup(key), std::nullopt) << odd;
    store.publish(kBytes, sample_meta(key));  // replaces the odd file
    EXPECT_TRUE(store.lookup(key).has_value()) << odd;
  }
  ASSERT_EQ(lines.size(), 1u);  // once a minute
  EXPECT_NE(lines[0].find("not a regular file"), std::string::npos) << lines[0];
}

TEST(CacheStoreOddFiles, ALockThatIsNotARegularFileIsRefused) {
  TempDir dir;
  CacheStore store(dir.path(), {1, 2});
  std::string hex = key_digest(kKey);
  fs::create_directories(dir.file(".locks"));
  ASSERT_EQ(::mkfifo(dir.file(".locks/" + hex.substr(0, 3)).c_str(), 0644), 0);
  EXPECT_THROW(store.lock(kKey), std::system_error);
  fs::create_symlink(dir.file("elsewhere"), dir.file(".locks/" + key_digest("x").substr(0, 3)));
  EXPECT_THROW(store.lock("x"), std::system_error);
  EXPECT_FALSE(fs::exists(dir.file("elsewhere")));  // not created through the link
}

TEST(CacheStoreOddFiles, AMetaOverTheCapIsNeitherWrittenNorRead) {
  TempDir dir;
  CacheStore store(dir.path(), {1, 2});
  EntryMeta meta = sample_meta(kKey);
  meta.origin_etag = std::string(kMaxMetaBytes, 'e');
  EXPECT_THROW(store.publish(kBytes, meta), std::system_error);
  EXPECT_EQ(store.lookup(kKey), std::nullopt);
}

TEST_F(CacheStoreTest, RemovalThatFailsThrows) {
  CacheEntry entry = store_.publish(kBytes, sample_meta(kKey));
  fs::remove(entry.path);
  fs::remove(meta_path_of(entry.path));
  fs::create_directories(meta_path_of(entry.path) + "/inside");  // unlink() of a directory fails
  EXPECT_THROW(store_.remove(kKey), std::system_error);
  fs::remove_all(meta_path_of(entry.path));
  EXPECT_FALSE(store_.remove(kKey));
}

TEST_F(CacheStoreTest, BodyOfTheWrongSizeIsNoEntry) {
  CacheEntry entry = store_.publish(kBytes, sample_meta(kKey));
  write_file(entry.path, kBytes.substr(0, kBytes.size() - 1));  // a partial write
  EXPECT_EQ(store_.lookup(kKey), std::nullopt);
  EXPECT_EQ(store_.read_body(entry), std::nullopt);  // replaced since lookup
  write_file(entry.path, kBytes + "x");
  EXPECT_EQ(store_.lookup(kKey), std::nullopt);
  fs::remove(entry.path);
  EXPECT_EQ(store_.lookup(kKey), std::nullopt);
  EXPECT_EQ(store_.read_body(entry), std::nullopt);
}

TEST_F(CacheStoreTest, MetaNamingAnotherKeyIsNoEntry) {
  // An MD5 collision, or a file copied into the wrong place.
  CacheEntry entry = store_.publish(kBytes, sample_meta(kKey));
  EntryMeta other = entry.meta;
  other.key = "another key";
  write_file(entry.path + ".meta", format_meta(other));
  EXPECT_EQ(store_.lookup(kKey), std::nullopt);
}

TEST_F(CacheStoreTest, UpdateMetaKeepsTheBody) {
  CacheEntry entry = store_.publish(kBytes, sample_meta(kKey));
  entry.meta.validated += 3600;
  store_.update_meta(entry);
  auto found = store_.lookup(kKey);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->meta.validated, entry.meta.validated);
  EXPECT_EQ(store_.read_body(*found), kBytes);
}

TEST_F(CacheStoreTest, Remove) {
  CacheEntry entry = store_.publish(kBytes, sample_meta(kKey));
  EXPECT_TRUE(store_.remove(kKey));
  EXPECT_FALSE(fs::exists(entry.path));
  EXPECT_FALSE(fs::exists(entry.path + ".meta"));
  EXPECT_EQ(store_.lookup(kKey), std::nullopt);
  EXPECT_FALSE(store_.remove(kKey));
}

TEST_F(CacheStoreTest, PublishFailsLoudlyWhenTheDiskRefuses) {
  // The cache root is a regular file: no directory can be made under it, even by root.
  std::string file = dir_.write("not-a-dir", "x");
  CacheStore broken(file, {1, 2});
  EXPECT_THROW(broken.publish(kBytes, sample_meta(kKey)), std::system_error);
  EXPECT_EQ(broken.lookup(kKey), std::nullopt);
}

TEST_F(CacheStoreTest, LockSerialisesOneKey) {
  std::atomic<bool> first_done{false};
  std::atomic<bool> second_saw_first_done{false};
  std::atomic<bool> second_entered{false};

  auto first = store_.lock(kKey);
  std::thread second([&] {
    auto held = store_.lock(kKey);
    second_entered = true;
    second_saw_first_done = first_done.load();
  });
  // Give the second thread every chance to (wrongly) get in while the lock is held.
  for (int i = 0; i < 50 && !second_entered; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_FALSE(second_entered.load());
  first_done = true;
  { auto released = std::move(first); }
  second.join();
  EXPECT_TRUE(second_entered.load());
  EXPECT_TRUE(second_saw_first_done.load());
}

TEST_F(CacheStoreTest, LockedSectionsNeverOverlap) {
  // Eight threads increment a counter inside the lock with a deliberately racy
  // read-yield-write; any overlap loses an increment or is seen as a second holder.
  std::atomic<int> holders{0};
  std::atomic<int> max_holders{0};
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto held = store_.lock(kKey);
        int now = ++holders;
        int seen = max_holders.load();
        while (now > seen && !max_holders.compare_exchange_weak(seen, now)) {
        }
        int value = counter;
        std::this_thread::yield();
        counter = value + 1;
        --holders;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 200);
  EXPECT_EQ(max_holders.load(), 1);
}

TEST_F(CacheStoreTest, OtherKeysAreNotBlocked) {
  // Locks are per key: a slow resize of one image does not hold up another.
  auto held = store_.lock(kKey);
  std::atomic<bool> acquired{false};
  std::thread other([&] {
    auto lock = store_.lock("https://upload.wikimedia.org 300x300 /another.jpg");
    acquired = true;
  });
  for (int i = 0; i < 500 && !acquired; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  bool got_it = acquired;
  { auto released = std::move(held); }
  other.join();
  EXPECT_TRUE(got_it);
}

TEST(MetaText, RoundTrip) {
  EntryMeta meta = sample_meta(kKey);
  meta.size = 12345;
  auto parsed = parse_meta(format_meta(meta));
  ASSERT_TRUE(parsed.has_value());
  expect_same_meta(*parsed, meta);
}

TEST(MetaText, EmptyValidatorsRoundTrip) {
  EntryMeta meta = sample_meta(kKey);
  meta.origin_etag.clear();
  meta.origin_last_modified.clear();
  auto parsed = parse_meta(format_meta(meta));
  ASSERT_TRUE(parsed.has_value());
  expect_same_meta(*parsed, meta);
}

TEST(MetaText, Malformed) {
  std::string text = format_meta(sample_meta(kKey));
  EXPECT_EQ(parse_meta(""), std::nullopt);
  EXPECT_EQ(parse_meta(text.substr(0, text.size() - 1)), std::nullopt);  // no final newline
  EXPECT_EQ(parse_meta(text.substr(0, text.find("width="))), std::nullopt);
  std::string bad_number = text;
  bad_number.replace(bad_number.find("width=150"), 9, "width=1x0");
  EXPECT_EQ(parse_meta(bad_number), std::nullopt);
  std::string no_equals = text + "garbage line\n";
  EXPECT_EQ(parse_meta(no_equals), std::nullopt);
  // Lines from a newer version are ignored.
  EXPECT_TRUE(parse_meta(text + "future_field=1\n").has_value());
}

}  // namespace
}  // namespace imgcache
