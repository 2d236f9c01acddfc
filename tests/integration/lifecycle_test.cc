// The cache lifecycle through a real nginx and imgcache-fcgi (issue: cache lifecycle):
// revalidation, expiry and stale serving against a real origin, negative caching, the
// operator CLI (warm, purge, prune) on the cache the responder uses, the background
// cache manager, and two responders sharing one cache directory under load.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <regex>
#include <thread>
#include <vector>

#include "tests/integration/stack.h"
#include "tests/support/test_images.h"
#include "tests/support/wait.h"

namespace imgcache::testing {
namespace {

namespace fs = std::filesystem;

CommandResult cli(const Stack& stack, const std::string& arguments) {
  return run_command_status(std::string(IMGCACHE_CLI_BIN) + " --config " + stack.config_file() +
                            " " + arguments + " 2>&1");
}

// Freshness is counted in whole seconds from the second an entry was validated, so with
// cache_valid = 3s an entry stays fresh for at least two seconds and is expired three
// seconds after its answer arrived.
constexpr const char* kShortValidity = "cache_valid = 3s";
void let_entries_expire() { std::this_thread::sleep_for(std::chrono::milliseconds(3100)); }

struct CacheFiles {
  int entries = 0;          // complete entries (meta + body)
  int temp_files = 0;       // leftovers of writes
  std::uint64_t bytes = 0;  // of entries and leftovers, as cache_max_size counts
  std::vector<std::string> bodies;
};

CacheFiles cache_files(const std::string& root) {
  CacheFiles out;
  if (!fs::exists(root)) return out;
  for (const auto& item : fs::recursive_directory_iterator(root)) {
    if (!item.is_regular_file()) continue;
    std::string name = item.path().filename().string();
    if (item.path().parent_path().filename() == ".locks" || name.starts_with(".index")) continue;
    if (name.find(".tmp-") != std::string::npos) {
      ++out.temp_files;
    } else if (name.size() == 37 && name.ends_with(".meta")) {
      ++out.entries;
      out.bodies.push_back(item.path().string().substr(0, item.path().string().size() - 5));
    }
    struct stat st;
    ::stat(item.path().c_str(), &st);
    out.bytes += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return out;
}

// Sets a file's access time to `seconds_ago` in the past.
void age_access_time(const std::string& path, int seconds_ago) {
  struct timespec times[2] = {{::time(nullptr) - seconds_ago, 0}, {0, UTIME_OMIT}};
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

TEST(Lifecycle, RevalidatedExpiredAndStale) {
  TempDir origin;
  ::chmod(origin.path().c_str(), 0755);
  origin.write("a.jpg", read_file(fixtures_dir() + "/photo.jpg"));
  Stack stack({.config_lines = {kShortValidity}, .origin_root = origin.path()});
  const std::string path = "/image/150x150/a.jpg";

  HttpResult miss = stack.get(path);
  ASSERT_EQ(miss.header("x-cache"), "MISS");
  let_entries_expire();
  HttpResult revalidated = stack.get(path);
  EXPECT_EQ(revalidated.header("x-cache"), "REVALIDATED");
  EXPECT_EQ(revalidated.body, miss.body);
  EXPECT_EQ(stack.get(path).header("x-cache"), "HIT");
  EXPECT_EQ(stack.origin_requests("/a.jpg", 2), 2);

  // The origin image changes (a new size, and an mtime nginx's ETag will show).
  origin.write("a.jpg", read_file(fixtures_dir() + "/portrait.jpg"));
  let_entries_expire();
  HttpResult expired = stack.get(path);
  EXPECT_EQ(expired.header("x-cache"), "EXPIRED");
  EXPECT_NE(expired.body, miss.body);
  EXPECT_EQ(decode(expired.body).height, 150u);
  EXPECT_EQ(decode(expired.body).width, 100u);

  stack.stop_origin();
  let_entries_expire();
  HttpResult stale = stack.get(path);
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.header("x-cache"), "STALE");
  EXPECT_EQ(stale.body, expired.body);
  EXPECT_NE(stack.responder_log().find("serving stale"), std::string::npos);
}

TEST(Lifecycle, OriginNotFoundIsRememberedWhenConfigured) {
  Stack stack({.config_lines = {"cache_valid_404 = 1m"}});
  EXPECT_EQ(stack.get("/image/100x100/absent.jpg").status, 404);
  EXPECT_EQ(stack.get("/image/100x100/absent.jpg").status, 404);
  EXPECT_EQ(stack.origin_requests("/absent.jpg", 1), 1);
}

TEST(Lifecycle, WarmFillsTheCacheWithTheBytesOfAMiss) {
  Stack stack;
  const std::string path = "/image/170x170/photo.jpg";
  CommandResult warm = cli(stack, "warm " + path + " /image/170x170/missing.jpg");
  EXPECT_EQ(warm.status, 1) << warm.output;  // one item failed
  EXPECT_NE(warm.output.find("FAIL 404 /image/170x170/missing.jpg"), std::string::npos);
  EXPECT_NE(warm.output.find("1 warmed"), std::string::npos) << warm.output;
  HttpResult hit = stack.get(path);
  EXPECT_EQ(hit.header("x-cache"), "HIT");

  EXPECT_EQ(cli(stack, "warm " + path).output.find("1 fresh") != std::string::npos, true);
  ASSERT_EQ(cli(stack, "purge " + path).status, 0);
  HttpResult miss = stack.get(path);
  EXPECT_EQ(miss.header("x-cache"), "MISS");
  EXPECT_EQ(miss.body, hit.body);
  EXPECT_EQ(miss.header("etag"), hit.header("etag"));
}

TEST(Lifecycle, WarmViaTheFrontSignsWhatItSends) {
  Stack stack({.config_lines = {"sign = md5", "secret = warm-secret"}});
  // Unsigned paths: warm signs them with the config's secret, as the front requires.
  CommandResult warm = cli(stack, "warm --json --via " + stack.url("") +
                                      " /image/70x70/photo.jpg /image/71x71/photo.jpg");
  EXPECT_EQ(warm.status, 0) << warm.output;
  EXPECT_NE(warm.output.find("\"warmed\": 2"), std::string::npos) << warm.output;
  EXPECT_EQ(cache_files(stack.cache_dir()).entries, 2);
}

TEST(Lifecycle, PurgeSourceRemovesEveryVariant) {
  Stack stack({.config_lines = {"auto_webp = on"}});
  const std::vector<std::string> photo = {"/image/50x50/photo.jpg", "/image/60x60,crop/photo.jpg",
                                          "/image/70x-,png/photo.jpg"};
  for (const auto& p : photo) stack.get(p);
  stack.get(photo[0], {"Accept: image/webp"});
  stack.get("/image/50x50/portrait.jpg");
  CommandResult purge = cli(stack, "purge --source photo.jpg");
  EXPECT_EQ(purge.status, 0);
  EXPECT_NE(purge.output.find("purged 4 entries"), std::string::npos) << purge.output;
  for (const auto& p : photo) EXPECT_EQ(stack.get(p).header("x-cache"), "MISS") << p;
  EXPECT_EQ(stack.get("/image/50x50/portrait.jpg").header("x-cache"), "HIT");
}

TEST(Lifecycle, PruneUnderMaxSizeKeepsTheMostRecentlyRead) {
  Stack stack;
  const std::vector<std::string> paths = {"/image/81x81/photo.jpg", "/image/82x82/photo.jpg",
                                          "/image/83x83/photo.jpg", "/image/84x84/photo.jpg"};
  for (const auto& p : paths) ASSERT_EQ(stack.get(p).status, 200);
  CacheFiles before = cache_files(stack.cache_dir());
  ASSERT_EQ(before.entries, 4);
  for (const auto& body : before.bodies) age_access_time(body, 3600);
  // Reading one entry records the read; it is now the most recently read.
  ASSERT_EQ(stack.get(paths[2]).header("x-cache"), "HIT");

  std::uint64_t one_entry = before.bytes / 4 + 1;
  // The times were changed behind the index's back: --reindex reads them from the files.
  CommandResult prune =
      cli(stack, "prune --reindex --json --max-size " + std::to_string(one_entry));
  ASSERT_EQ(prune.status, 0) << prune.output;
  EXPECT_NE(prune.output.find("\"removed_entries\": 3"), std::string::npos) << prune.output;
  EXPECT_EQ(cache_files(stack.cache_dir()).entries, 1);
  EXPECT_EQ(stack.get(paths[2]).header("x-cache"), "HIT");
  EXPECT_EQ(stack.get(paths[0]).header("x-cache"), "MISS");
}

TEST(Lifecycle, BackgroundManagerKeepsTheCacheUnderItsLimit) {
  Stack stack({.config_lines = {"cache_manager_interval = 1s", "cache_max_size = 40k"}});
  for (int size = 100; size < 110; ++size) {
    ASSERT_EQ(stack.get("/image/" + std::to_string(size) + "x100/photo.jpg").status, 200);
  }
  ASSERT_GT(cache_files(stack.cache_dir()).bytes, 40u * 1024);
  // The manager runs every second; allow a loaded machine a few rounds.
  CacheFiles after = cache_files(stack.cache_dir());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto reported = [&] {
    return stack.responder_log().find("cache manager removed") != std::string::npos;
  };
  while ((after.bytes > 40u * 1024 || !reported()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = cache_files(stack.cache_dir());
  }
  EXPECT_LE(after.bytes, 40u * 1024);
  EXPECT_GT(after.entries, 0);
  EXPECT_TRUE(reported());
  // What the round cost, for an operator sizing cache_manager_interval.
  EXPECT_TRUE(std::regex_search(stack.responder_log(),
                                std::regex(R"(cache manager removed \d+ entries \(\d+ bytes\), )"
                                           R"(kept \d+, in \d+ ms \(\d+ ms of CPU\))")))
      << stack.responder_log();
}

TEST(Lifecycle, TwoRespondersAndAPruneShareOneCacheSafely) {
  // Six clients may all miss on one responder at once; max_inflight (two per core by
  // default) would then answer 503 by design, which is not what this test is about.
  Stack stack({.config_lines = {"cache_max_size = 200k", "max_inflight = 16"}, .responders = 2});
  // Prune runs over and over while the clients run, and the clients run until it has
  // run at least three times.
  constexpr int kPrunes = 3;
  std::atomic<bool> done{false};
  std::atomic<int> prunes{0};
  auto pruner = std::async(std::launch::async, [&] {
    std::vector<CommandResult> runs;
    while (!done) {
      runs.push_back(cli(stack, "prune --max-size 60k"));
      ++prunes;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return runs;
  });
  std::vector<std::future<int>> clients;
  for (int c = 0; c < 6; ++c) {
    clients.push_back(std::async(std::launch::async, [&, c] {
      int failures = 0;
      for (int i = 0; (i < 30 || prunes < kPrunes) && i < 3000; ++i) {
        std::string path = "/image/" + std::to_string(60 + (i * 7 + c) % 12) + "x60/photo.jpg";
        HttpResult r = stack.get(path);
        if (r.status != 200 || decode(r.body).height == 0) ++failures;
      }
      return failures;
    }));
  }
  int failures = 0;
  for (auto& client : clients) failures += client.get();
  done = true;
  const std::vector<CommandResult> runs = pruner.get();
  EXPECT_GE(runs.size(), static_cast<std::size_t>(kPrunes));
  for (const CommandResult& run : runs) EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(failures, 0);

  CacheFiles files = cache_files(stack.cache_dir());
  EXPECT_EQ(files.temp_files, 0);
  for (const std::string& body : files.bodies) {
    std::string bytes = read_file(body);
    EXPECT_NO_THROW(decode(bytes)) << body;
  }
  // The index the three processes kept knows exactly what is on disk.
  CommandResult stats = cli(stack, "stats --json");
  ASSERT_EQ(stats.status, 0) << stats.output;
  EXPECT_NE(stats.output.find(
                "{\"index_complete\": true, \"entries\": " + std::to_string(files.entries) + ","),
            std::string::npos)
      << stats.output;
}

TEST(Lifecycle, AnIndexDeletedWhileServingIsRebuiltAndTheLimitStillHolds) {
  Stack stack({.config_lines = {"cache_manager_interval = 1s", "cache_max_size = 40k"}});
  auto walks = [&] {
    const std::string log = stack.responder_log();
    int count = 0;
    for (auto at = log.find("cache loader indexed"); at != std::string::npos;
         at = log.find("cache loader indexed", at + 1)) {
      ++count;
    }
    return count;
  };
  for (int size = 100; size < 105; ++size) {
    ASSERT_EQ(stack.get("/image/" + std::to_string(size) + "x100/photo.jpg").status, 200);
  }
  ASSERT_TRUE(testing::wait_until([&] { return walks() == 1; }, std::chrono::seconds(10)));
  const std::string index = stack.cache_dir() + "/.index.sqlite";
  ASSERT_TRUE(std::filesystem::exists(index));
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(index + suffix);

  for (int size = 105; size < 115; ++size) {
    EXPECT_EQ(stack.get("/image/" + std::to_string(size) + "x100/photo.jpg").status, 200);
  }
  // The responder notices, walks the tree again, and the manager evicts from what it read.
  EXPECT_TRUE(testing::wait_until(
      [&] { return walks() >= 2 && cache_files(stack.cache_dir()).bytes <= 40u * 1024; },
      std::chrono::seconds(15)))
      << stack.responder_log();
  EXPECT_TRUE(std::filesystem::exists(index));
  CommandResult stats = cli(stack, "stats --json");
  EXPECT_NE(stats.output.find("{\"index_complete\": true, \"entries\": " +
                              std::to_string(cache_files(stack.cache_dir()).entries) + ","),
            std::string::npos)
      << stats.output;
}

TEST(Lifecycle, BackgroundManagerRemovesEntriesNotReadForCacheInactive) {
  Stack stack({.config_lines = {"cache_manager_interval = 1s", "cache_inactive = 1h"}});
  const std::string unread = "/image/91x91/photo.jpg";
  const std::string read = "/image/92x92/photo.jpg";
  ASSERT_EQ(stack.get(unread).status, 200);
  const CacheFiles first = cache_files(stack.cache_dir());
  ASSERT_EQ(first.entries, 1);
  age_access_time(first.bodies[0], 2 * 3600);  // not read for two hours
  // A restart's walk of the tree reads that time into the index, as after any change made
  // to the files behind the responder's back.
  stack.stop_responder(0);
  stack.start_responder(0);
  ASSERT_EQ(stack.get(read).status, 200);
  // The manager runs every second; allow a loaded machine a few rounds.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (cache_files(stack.cache_dir()).entries > 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(cache_files(stack.cache_dir()).entries, 1);
  EXPECT_EQ(stack.get(read).header("x-cache"), "HIT");
  EXPECT_EQ(stack.get(unread).header("x-cache"), "MISS");
}

}  // namespace
}  // namespace imgcache::testing
