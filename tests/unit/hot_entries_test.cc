// Hot entries in memory (core/hot_entries.h): used only while both files of an entry are
// the files they were read from, and held within their byte budget.
#include "core/hot_entries.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/cache_store.h"
#include "tests/support/temp_dir.h"

namespace imgcache {
namespace {

using testing::TempDir;

class HotEntriesTest : public ::testing::Test {
 protected:
  // Publishes an entry of `size` bytes and reads it back as the hit path does.
  HotEntry published(const std::string& key, std::size_t size, char fill = 'x') {
    EntryMeta meta;
    meta.key = key;
    meta.content_type = "image/jpeg";
    store_.publish(std::string(size, fill), meta);
    return read_back(key);
  }

  HotEntry read_back(const std::string& key) {
    HotEntry hot;
    hot.entry = *store_.lookup(key);
    hot.body = std::make_shared<const std::string>(*store_.read_body(hot.entry, &hot.body_file));
    return hot;
  }

  TempDir dir_;
  CacheStore store_{dir_.path(), {1, 2}};
};

TEST_F(HotEntriesTest, KeepsAnEntryWhileItsFilesAreUnchanged) {
  HotEntries hot(1 << 20);
  hot.keep(published("a", 1000));
  auto found = hot.find("a");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found->body, std::string(1000, 'x'));
  EXPECT_EQ(found->entry.meta.key, "a");
  EXPECT_FALSE(hot.find("b"));
}

TEST_F(HotEntriesTest, AReplacedEntryIsReadAgain) {
  HotEntries hot(1 << 20);
  hot.keep(published("a", 1000, 'x'));
  published("a", 1000, 'y');  // same size, new files
  EXPECT_FALSE(hot.find("a"));
  EXPECT_EQ(hot.bytes(), 0u);
}

TEST_F(HotEntriesTest, ANewMetaAloneIsEnough) {
  HotEntries hot(1 << 20);
  HotEntry kept = published("a", 1000);
  hot.keep(kept);
  kept.entry.meta.validated += 60;  // a revalidation by another process
  store_.update_meta(kept.entry);
  EXPECT_FALSE(hot.find("a"));
}

TEST_F(HotEntriesTest, ARemovedOrTouchedEntryIsReadAgain) {
  HotEntries hot(1 << 20);
  hot.keep(published("a", 1000));
  hot.keep(published("b", 1000));
  store_.remove("a");
  EXPECT_FALSE(hot.find("a"));
  HotEntry b = read_back("b");
  // Change times tick with the kernel's coarse clock (a few milliseconds).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  store_.touch(b.entry, b.entry.last_read + kTouchInterval);  // a new read time
  EXPECT_FALSE(hot.find("b"));
}

TEST_F(HotEntriesTest, StaysWithinItsBudgetDroppingTheLeastRecentlyUsed) {
  HotEntries hot(64 * 1024);
  hot.keep(published("a", 7000));
  hot.keep(published("b", 7000));
  ASSERT_TRUE(hot.find("a"));  // now b is the least recently used
  for (char c = 'c'; c <= 'j'; ++c) hot.keep(published(std::string(1, c), 7000));
  EXPECT_LE(hot.bytes(), 64u * 1024);
  EXPECT_FALSE(hot.find("b"));
  EXPECT_TRUE(hot.find("j"));
}

TEST_F(HotEntriesTest, LargeBodiesAndAZeroBudgetKeepNothing) {
  HotEntries small(64 * 1024);
  small.keep(published("big", 9000));  // over an eighth of the budget
  EXPECT_FALSE(small.find("big"));
  HotEntries none(0);
  none.keep(published("a", 10));
  EXPECT_FALSE(none.find("a"));
  EXPECT_EQ(none.bytes(), 0u);
}

}  // namespace
}  // namespace imgcache
