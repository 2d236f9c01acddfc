// ImageService (SPEC §4): the cache statuses a user sees, one fetch for concurrent misses,
// revalidation, stale serving, WebP variants, and serving when the cache is unwritable.
#include "core/image_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/cache_layout.h"
#include "core/error.h"
#include "core/imaging/imaging.h"
#include "tests/support/fakes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::decode;
using testing::FakeClock;
using testing::FakeFetcher;
using testing::make_image;
using testing::TempDir;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ImageServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }

  ImageServiceTest() {
    config_.origin = "https://origin.example";
    config_.cache_dir = dir_.path() + "/cache";
    fetcher_.set("a.jpg", {photo_, "\"v1\""});
  }

  // Built on first use, so a test can change the config first.
  CacheStore& store() {
    if (!store_) {
      store_ = std::make_unique<CacheStore>(config_.cache_dir, parse_levels(config_.cache_levels),
                                            log_sink());
    }
    return *store_;
  }
  ImageService& service() {
    if (!service_) {
      service_ = std::make_unique<ImageService>(config_, fetcher_, store(), clock_, log_sink());
    }
    return *service_;
  }
  LogSink log_sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
  }

  ImageRequest request(const std::string& path) { return parse_image_request(path, config_); }

  ServedImage get(const std::string& path, FormatSet accepted = {},
                  BodyMode body = BodyMode::load) {
    return service().get(request(path), accepted, body);
  }

  Errc failure(const std::string& path) {
    try {
      get(path);
    } catch (const Error& e) {
      return e.code();
    }
    ADD_FAILURE() << path << " succeeded";
    return Errc::internal;
  }

  std::size_t log_lines() {
    std::lock_guard lock(log_mutex_);
    return log_.size();
  }

  const std::string photo_ = make_image(ImageFormat::jpeg, 400, 300);
  Config config_;
  TempDir dir_;
  FakeFetcher fetcher_;
  FakeClock clock_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  std::unique_ptr<CacheStore> store_;
  std::unique_ptr<ImageService> service_;
};

const char* kPath = "/image/150x150/a.jpg";
const FormatSet kWebp{ImageFormat::webp};

TEST_F(ImageServiceTest, MissThenHit) {
  ServedImage first = get(kPath);
  EXPECT_EQ(first.status, CacheStatus::miss);
  EXPECT_EQ(cache_status_name(first.status), "MISS");
  auto d = decode(first.body);
  EXPECT_EQ(d.width, 150u);
  EXPECT_EQ(d.height, 112u);
  EXPECT_EQ(first.meta.content_type, "image/jpeg");
  EXPECT_EQ(first.meta.size, first.body.size());
  EXPECT_EQ(first.meta.created, clock_.now());
  ASSERT_GE(first.meta.etag.size(), 3u);
  EXPECT_EQ(first.meta.etag.front(), '"');
  EXPECT_EQ(first.meta.etag.back(), '"');
  // The bytes stand alone in the cache file, at the key's nginx-layout path.
  EXPECT_EQ(first.file_path, store().path_for(service().key_for(request(kPath), {})));
  EXPECT_TRUE(read_file(first.file_path) == first.body);

  clock_.advance(10);
  ServedImage second = get(kPath);
  EXPECT_EQ(second.status, CacheStatus::hit);
  EXPECT_EQ(cache_status_name(second.status), "HIT");
  EXPECT_TRUE(second.body == first.body);
  EXPECT_EQ(second.meta.etag, first.meta.etag);
  EXPECT_EQ(second.meta.created, first.meta.created);
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(ImageServiceTest, EquivalentSpellingsShareTheEntry) {
  get("/image/150x150,q80,crop/a.jpg");
  ServedImage again = get("/image/0150x150,crop,q080/a.jpg");
  EXPECT_EQ(again.status, CacheStatus::hit);
  EXPECT_EQ(fetcher_.calls(), 1);
  // A different operation is a different entry.
  EXPECT_EQ(get("/image/150x150,crop/a.jpg").status, CacheStatus::miss);
  EXPECT_EQ(fetcher_.calls(), 2);
}

TEST_F(ImageServiceTest, PathOnlyHitsCarryNoBody) {
  ServedImage miss = get(kPath, {}, BodyMode::path_only);
  EXPECT_FALSE(miss.body.empty());  // a miss always has its bytes
  ServedImage hit = get(kPath, {}, BodyMode::path_only);
  EXPECT_EQ(hit.status, CacheStatus::hit);
  EXPECT_TRUE(hit.body.empty());
  EXPECT_TRUE(read_file(hit.file_path) == miss.body);
}

TEST_F(ImageServiceTest, ConcurrentMissesFetchOnce) {
  constexpr int kThreads = 16;
  service();
  ImageRequest r = request(kPath);
  std::latch start(kThreads);
  std::vector<ServedImage> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = service().get(r, {}, BodyMode::load);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fetcher_.calls(), 1);
  int misses = 0;
  for (const ServedImage& result : results) {
    EXPECT_TRUE(result.body == results[0].body);
    EXPECT_FALSE(result.body.empty());
    if (result.status == CacheStatus::miss) ++misses;
  }
  EXPECT_EQ(misses, 1);
}

TEST_F(ImageServiceTest, RequestsWaitingOnAFailedFetchShareItsFailure) {
  // A failing origin: every request that arrived before the failure (queued, or waiting on
  // the key's lock) gets its answer instead of asking the origin again in turn. Arrival is
  // given, so the outcome does not depend on how the threads are scheduled.
  class FailingFetcher final : public Fetcher {
   public:
    FetchResult fetch(const FetchRequest&) override {
      ++calls;
      throw Error(Errc::origin_timeout, "failing");
    }
    std::string source_url(const FetchRequest& r) const override {
      return "failing:/" + r.source_path;
    }
    std::atomic<int> calls{0};
  } fetcher;
  ImageService failing(config_, fetcher, store(), clock_, [](std::string_view) {});
  constexpr int kThreads = 6;
  ImageRequest r = request(kPath);
  const SteadyTime arrived = std::chrono::steady_clock::now();
  std::latch start(kThreads);
  std::vector<std::optional<Errc>> failures(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        failing.get(r, {}, BodyMode::load, arrived);
      } catch (const Error& e) {
        failures[i] = e.code();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& failure : failures) EXPECT_EQ(failure, Errc::origin_timeout);
  EXPECT_EQ(fetcher.calls, 1);
  // A request that arrives after the failure asks the origin again.
  EXPECT_THROW(failing.get(r, {}, BodyMode::load), Error);
  EXPECT_EQ(fetcher.calls, 2);
}

TEST_F(ImageServiceTest, ARequestForAKeyInProgressGivesWayInsteadOfWaiting) {
  // While one thread fetches a key, get_unless_busy for the same key returns at once
  // (nullopt); once the fetch is done it is a hit.
  std::promise<void> fetching;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  class GatedFetcher final : public Fetcher {
   public:
    GatedFetcher(std::promise<void>& started, std::shared_future<void> gate, std::string body)
        : started_(started), gate_(std::move(gate)), body_(std::move(body)) {}
    FetchResult fetch(const FetchRequest&) override {
      started_.set_value();
      gate_.wait();
      FetchResult result;
      result.body = body_;
      return result;
    }
    std::string source_url(const FetchRequest& r) const override {
      return "gated:/" + r.source_path;
    }

   private:
    std::promise<void>& started_;
    std::shared_future<void> gate_;
    std::string body_;
  } fetcher(fetching, released, make_image(ImageFormat::jpeg, 400, 300));
  ImageService service(config_, fetcher, store(), clock_, [](std::string_view) {});
  ImageRequest r = request(kPath);
  std::thread first([&] { service.get(r, {}, BodyMode::load); });
  fetching.get_future().wait();
  EXPECT_FALSE(service.get_unless_busy(r, {}, BodyMode::load, {}));
  release.set_value();
  first.join();
  std::optional<ServedImage> after = service.get_unless_busy(r, {}, BodyMode::load, {});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, CacheStatus::hit);
}

TEST_F(ImageServiceTest, RevalidatedWhenTheOriginIsUnchanged) {
  ServedImage first = get(kPath);
  struct stat before;
  ASSERT_EQ(::stat(first.file_path.c_str(), &before), 0);
  clock_.advance(config_.cache_valid.count() + 1);
  ServedImage second = get(kPath);
  EXPECT_EQ(second.status, CacheStatus::revalidated);
  EXPECT_EQ(cache_status_name(second.status), "REVALIDATED");
  EXPECT_EQ(fetcher_.calls(), 2);
  EXPECT_TRUE(second.body == first.body);
  EXPECT_EQ(second.meta.etag, first.meta.etag);
  EXPECT_EQ(second.meta.created, first.meta.created);  // the same bytes, not re-rendered
  EXPECT_EQ(second.meta.validated, clock_.now());
  EXPECT_TRUE(read_file(first.file_path) == first.body);
  struct stat after;
  ASSERT_EQ(::stat(first.file_path.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // the body file was not rewritten
  EXPECT_EQ(after.st_mtime, before.st_mtime);
  // Fresh again for another cache_valid.
  EXPECT_EQ(get(kPath).status, CacheStatus::hit);
  EXPECT_EQ(fetcher_.calls(), 2);
}

TEST_F(ImageServiceTest, ExpiredWhenTheOriginChanged) {
  ServedImage first = get(kPath);
  fetcher_.set("a.jpg", {make_image(ImageFormat::jpeg, 600, 300), "\"v2\""});
  clock_.advance(config_.cache_valid.count() + 1);
  ServedImage second = get(kPath);
  EXPECT_EQ(second.status, CacheStatus::expired);
  EXPECT_EQ(cache_status_name(second.status), "EXPIRED");
  EXPECT_TRUE(second.body != first.body);
  EXPECT_NE(second.meta.etag, first.meta.etag);
  auto d = decode(second.body);
  EXPECT_EQ(d.width, 150u);
  EXPECT_EQ(d.height, 75u);
  EXPECT_EQ(second.meta.created, clock_.now());
  ServedImage third = get(kPath);
  EXPECT_EQ(third.status, CacheStatus::hit);
  EXPECT_TRUE(third.body == second.body);
  EXPECT_EQ(fetcher_.calls(), 2);
}

TEST_F(ImageServiceTest, StaleWhenTheOriginIsDown) {
  ServedImage first = get(kPath);
  clock_.advance(config_.cache_valid.count() + 1);
  std::size_t lines = log_lines();
  for (Errc down : {Errc::origin_error, Errc::origin_timeout}) {
    fetcher_.set("a.jpg", {"", "", down});
    ServedImage stale = get(kPath);
    EXPECT_EQ(stale.status, CacheStatus::stale);
    EXPECT_EQ(cache_status_name(stale.status), "STALE");
    EXPECT_TRUE(stale.body == first.body);
    EXPECT_EQ(stale.meta.etag, first.meta.etag);
  }
  // Degraded service is logged, once per interval however often it happens.
  EXPECT_EQ(log_lines(), lines + 1);
  // Once the origin is back, the entry is revalidated.
  fetcher_.set("a.jpg", {photo_, "\"v1\""});
  EXPECT_EQ(get(kPath).status, CacheStatus::revalidated);
}

TEST_F(ImageServiceTest, ExpiredEntryOfADeletedSourceIsNotServed) {
  get(kPath);
  clock_.advance(config_.cache_valid.count() + 1);
  fetcher_.set("a.jpg", {"", "", Errc::not_found});
  EXPECT_EQ(failure(kPath), Errc::not_found);
}

TEST_F(ImageServiceTest, MissWithOriginErrorThrows) {
  fetcher_.set("a.jpg", {"", "", Errc::origin_error});
  EXPECT_EQ(failure(kPath), Errc::origin_error);
  EXPECT_EQ(store().lookup(service().key_for(request(kPath), {})), std::nullopt);
  fetcher_.set("a.jpg", {photo_, "\"v1\""});
  EXPECT_EQ(get(kPath).status, CacheStatus::miss);
}

TEST_F(ImageServiceTest, MissingAndBadSources) {
  EXPECT_EQ(failure("/image/150x150/nope.jpg"), Errc::not_found);
  fetcher_.set("page.jpg", {"<html>not an image</html>", ""});
  EXPECT_EQ(failure("/image/150x150/page.jpg"), Errc::unsupported_image);
  fetcher_.set("page.jpg", {photo_, ""});  // fixed at the origin: not a cached failure
  EXPECT_EQ(get("/image/150x150/page.jpg").status, CacheStatus::miss);
}

TEST_F(ImageServiceTest, OriginNotFoundIsRememberedForCacheValid404) {
  config_.cache_valid_404 = Seconds(60);
  const char* missing = "/image/150x150/nope.jpg";
  EXPECT_EQ(failure(missing), Errc::not_found);
  EXPECT_EQ(fetcher_.calls(), 1);
  // Within cache_valid_404 the origin is not asked again, even if the file appeared.
  fetcher_.set("nope.jpg", {photo_, "\"v1\""});
  clock_.advance(30);
  EXPECT_EQ(failure(missing), Errc::not_found);
  clock_.advance(29);
  EXPECT_EQ(failure(missing), Errc::not_found);
  EXPECT_EQ(fetcher_.calls(), 1);
  // After it, the origin is asked again.
  clock_.advance(2);
  ServedImage found = get(missing);
  EXPECT_EQ(found.status, CacheStatus::miss);
  EXPECT_EQ(decode(found.body).width, 150u);
  EXPECT_EQ(fetcher_.calls(), 2);
  EXPECT_EQ(get(missing).status, CacheStatus::hit);
  EXPECT_EQ(fetcher_.calls(), 2);
}

TEST_F(ImageServiceTest, RememberedNotFoundExpiresAndIsAskedAgain) {
  config_.cache_valid_404 = Seconds(60);
  const char* missing = "/image/150x150/nope.jpg";
  EXPECT_EQ(failure(missing), Errc::not_found);
  clock_.advance(61);
  EXPECT_EQ(failure(missing), Errc::not_found);  // still missing at the origin
  EXPECT_EQ(fetcher_.calls(), 2);
  EXPECT_EQ(failure(missing), Errc::not_found);  // remembered again
  EXPECT_EQ(fetcher_.calls(), 2);
  // Other errors are not remembered.
  fetcher_.set("down.jpg", {"", "", Errc::origin_error});
  EXPECT_EQ(failure("/image/150x150/down.jpg"), Errc::origin_error);
  EXPECT_EQ(failure("/image/150x150/down.jpg"), Errc::origin_error);
  EXPECT_EQ(fetcher_.calls(), 4);
}

TEST_F(ImageServiceTest, OriginNotFoundIsNotRememberedByDefault) {
  ASSERT_EQ(config_.cache_valid_404.count(), 0);
  const char* missing = "/image/150x150/nope.jpg";
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(failure(missing), Errc::not_found);
    EXPECT_EQ(fetcher_.calls(), i);
  }
  EXPECT_EQ(store().lookup(service().key_for(request(missing), {})), std::nullopt);
}

TEST_F(ImageServiceTest, HitRecordsTheReadOncePerTouchInterval) {
  // BodyMode::path_only, so the kernel's own atime updates (relatime) stay out of it.
  ServedImage miss = get(kPath, {}, BodyMode::path_only);
  const UnixTime created = clock_.now();
  auto atime = [&] {
    struct stat st;
    EXPECT_EQ(::stat(miss.file_path.c_str(), &st), 0);
    return static_cast<UnixTime>(st.st_atime);
  };
  EXPECT_EQ(atime(), created);
  clock_.advance(kTouchInterval - 1);
  EXPECT_EQ(get(kPath, {}, BodyMode::path_only).status, CacheStatus::hit);
  EXPECT_EQ(atime(), created);  // within the interval: not written
  clock_.advance(2);
  EXPECT_EQ(get(kPath, {}, BodyMode::path_only).status, CacheStatus::hit);
  EXPECT_EQ(atime(), clock_.now());
  auto entry = store().lookup(service().key_for(request(kPath), {}));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->last_read, clock_.now());
  EXPECT_EQ(entry->meta.created, created);  // a read does not make the entry newer
  struct stat st;
  ASSERT_EQ(::stat(miss.file_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, created);
}

TEST_F(ImageServiceTest, AutoWebpVariantHasItsOwnEntry) {
  config_.auto_webp = true;
  ServedImage webp = get(kPath, kWebp);
  ServedImage jpeg = get(kPath);
  EXPECT_EQ(webp.status, CacheStatus::miss);
  EXPECT_EQ(jpeg.status, CacheStatus::miss);
  EXPECT_EQ(webp.meta.content_type, "image/webp");
  EXPECT_EQ(decode(webp.body).format, "WEBP");
  EXPECT_EQ(jpeg.meta.content_type, "image/jpeg");
  EXPECT_EQ(decode(jpeg.body).format, "JPEG");
  EXPECT_NE(webp.file_path, jpeg.file_path);
  EXPECT_TRUE(get(kPath, kWebp).body == webp.body);
  EXPECT_TRUE(get(kPath).body == jpeg.body);
  EXPECT_EQ(fetcher_.calls(), 2);
  // An explicit format ignores Accept.
  ServedImage png = get("/image/150x150,png/a.jpg", kWebp);
  EXPECT_EQ(png.meta.content_type, "image/png");
  EXPECT_EQ(get("/image/150x150,png/a.jpg").status, CacheStatus::hit);
}

TEST_F(ImageServiceTest, EachNegotiationHasItsOwnEntryInAutoOrder) {
  config_.auto_webp = true;
  config_.auto_avif = true;
  const FormatSet both{ImageFormat::webp, ImageFormat::avif};
  ServedImage avif = get(kPath, both);
  EXPECT_EQ(avif.meta.content_type, "image/avif");
  EXPECT_TRUE(testing::is_avif(avif.body));
  EXPECT_EQ(avif.meta.key, "https://origin.example 150x150 auto-avif-webp /a.jpg");
  ServedImage webp = get(kPath, kWebp);
  EXPECT_EQ(webp.meta.content_type, "image/webp");
  EXPECT_EQ(get(kPath, FormatSet{ImageFormat::avif}).meta.content_type, "image/avif");
  EXPECT_EQ(get(kPath).meta.content_type, "image/jpeg");
  EXPECT_EQ(get(kPath, both).status, CacheStatus::hit);
  EXPECT_EQ(fetcher_.calls(), 4);
}

TEST_F(ImageServiceTest, AutoOrderPutsWebpFirst) {
  config_.auto_webp = true;
  config_.auto_avif = true;
  config_.auto_order = {ImageFormat::webp, ImageFormat::avif};
  ServedImage webp = get(kPath, FormatSet{ImageFormat::webp, ImageFormat::avif});
  EXPECT_EQ(webp.meta.content_type, "image/webp");
  EXPECT_EQ(webp.meta.key, "https://origin.example 150x150 auto-webp-avif /a.jpg");
}

TEST_F(ImageServiceTest, AvifIsOfferedOnlyWithAutoAvif) {
  config_.auto_webp = true;
  EXPECT_EQ(get(kPath, FormatSet{ImageFormat::avif}).meta.content_type, "image/jpeg");
  EXPECT_EQ(get(kPath, FormatSet{ImageFormat::webp, ImageFormat::avif}).meta.content_type,
            "image/webp");
}

TEST_F(ImageServiceTest, AcceptIsIgnoredWithoutAutoWebp) {
  ServedImage first = get(kPath, kWebp);
  EXPECT_EQ(first.meta.content_type, "image/jpeg");
  EXPECT_EQ(get(kPath).status, CacheStatus::hit);
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(ImageServiceTest, SecondsFreshCountsDown) {
  ServedImage first = get(kPath);
  const std::int64_t valid = config_.cache_valid.count();
  EXPECT_EQ(service().seconds_fresh(first.meta), valid);
  clock_.advance(100);
  EXPECT_EQ(service().seconds_fresh(first.meta), valid - 100);
  clock_.advance(valid - 101);
  EXPECT_EQ(service().seconds_fresh(first.meta), 1);
  EXPECT_EQ(get(kPath).status, CacheStatus::hit);
  clock_.advance(1);
  EXPECT_EQ(service().seconds_fresh(first.meta), 0);
  clock_.advance(1000);
  EXPECT_EQ(service().seconds_fresh(first.meta), 0);
}

TEST_F(ImageServiceTest, InfoRequests) {
  ServedImage info = get("/image/info/a.jpg");
  EXPECT_EQ(info.body, "{ \"img\" : { \"width\": 400, \"height\": 300, \"type\": \"jpeg\" } }\r\n");
  EXPECT_EQ(info.meta.content_type, "application/json");
  EXPECT_EQ(get("/image/info/a.jpg").status, CacheStatus::hit);
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(ImageServiceTest, VanishedCacheFileIsProducedAgain) {
  ServedImage first = get(kPath);
  std::filesystem::remove(first.file_path);
  ServedImage again = get(kPath);
  EXPECT_EQ(again.status, CacheStatus::miss);
  EXPECT_TRUE(again.body == first.body);
  EXPECT_EQ(fetcher_.calls(), 2);
}

TEST_F(ImageServiceTest, CacheUnderAFileStillServes) {
  // A cache_dir that cannot exist (its parent is a regular file), even for root.
  config_.cache_dir = dir_.write("plain-file", "x") + "/cache";
  ServedImage served = get(kPath);
  EXPECT_EQ(served.status, CacheStatus::miss);
  EXPECT_EQ(decode(served.body).width, 150u);
  EXPECT_TRUE(served.file_path.empty());
  EXPECT_GT(log_lines(), 0u);
  EXPECT_EQ(get(kPath).status, CacheStatus::miss);  // nothing was cached
  EXPECT_EQ(fetcher_.calls(), 2);
}

TEST_F(ImageServiceTest, UnwritableCacheDirStillServes) {
  // A regular file where the cache directory should be: no entry can be written, by any user.
  std::filesystem::remove_all(config_.cache_dir);
  std::ofstream(config_.cache_dir) << "not a directory";
  ServedImage served = get(kPath);
  EXPECT_EQ(served.status, CacheStatus::miss);
  EXPECT_EQ(decode(served.body).width, 150u);
  EXPECT_TRUE(served.file_path.empty());
  EXPECT_GT(log_lines(), 0u);
}

}  // namespace
}  // namespace imgcache
