// The file:/// origin (core/fetcher.h): reads below its directory only, validators for
// revalidation, and the errors the router turns into statuses.
#include "core/fetcher.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/http_date.h"
#include "core/image_request.h"
#include "tests/support/temp_dir.h"

namespace imgcache {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

class FileFetcherTest : public ::testing::Test {
 protected:
  FileFetcherTest() {
    config_.origin = "file://" + dir_.path() + "/origin";
    dir_.write("origin/photos/a b.jpg", "jpeg bytes");
    dir_.write("secret.txt", "outside the origin");
  }

  std::unique_ptr<Fetcher> fetcher() { return make_origin_fetcher(config_); }

  FetchRequest request(const std::string& source_path) {
    FetchRequest r;
    r.source_path = source_path;
    return r;
  }

  Errc failure(const std::string& source_path) {
    try {
      fetcher()->fetch(request(source_path));
    } catch (const Error& e) {
      return e.code();
    }
    ADD_FAILURE() << source_path << " was fetched";
    return Errc::internal;
  }

  TempDir dir_;
  OriginOptions config_;
};

TEST_F(FileFetcherTest, ReadsAFile) {
  FetchResult result = fetcher()->fetch(request("photos/a b.jpg"));
  EXPECT_FALSE(result.not_modified);
  EXPECT_EQ(result.body, "jpeg bytes");
  ASSERT_GE(result.etag.size(), 3u);
  EXPECT_EQ(result.etag.front(), '"');
  EXPECT_EQ(result.etag.back(), '"');
  struct stat st;
  ASSERT_EQ(::stat(dir_.file("origin/photos/a b.jpg").c_str(), &st), 0);
  EXPECT_EQ(parse_http_date(result.last_modified), UnixTime{st.st_mtime});
}

TEST_F(FileFetcherTest, NotModifiedForTheSameEtag) {
  FetchResult first = fetcher()->fetch(request("photos/a b.jpg"));
  FetchRequest conditional = request("photos/a b.jpg");
  conditional.if_none_match = first.etag;
  FetchResult second = fetcher()->fetch(conditional);
  EXPECT_TRUE(second.not_modified);
  EXPECT_TRUE(second.body.empty());
  // A changed file is fetched whole.
  dir_.write("origin/photos/a b.jpg", "new jpeg bytes, longer");
  FetchResult third = fetcher()->fetch(conditional);
  EXPECT_FALSE(third.not_modified);
  EXPECT_EQ(third.body, "new jpeg bytes, longer");
  EXPECT_NE(third.etag, first.etag);
}

TEST_F(FileFetcherTest, MissingFilesAndDirectoriesAre404) {
  EXPECT_EQ(failure("photos/nope.jpg"), Errc::not_found);
  EXPECT_EQ(failure("photos"), Errc::not_found);
}

TEST_F(FileFetcherTest, NeverReadsOutsideTheOrigin) {
  fs::create_symlink(dir_.file("secret.txt"), dir_.file("origin/link.jpg"));
  fs::create_directory_symlink(dir_.path(), dir_.file("origin/up"));
  EXPECT_EQ(failure("link.jpg"), Errc::not_found);
  EXPECT_EQ(failure("up/secret.txt"), Errc::not_found);
  EXPECT_EQ(failure("../secret.txt"), Errc::not_found);
  // A symlink that stays inside is fine.
  fs::create_symlink(dir_.file("origin/photos/a b.jpg"), dir_.file("origin/alias.jpg"));
  EXPECT_EQ(fetcher()->fetch(request("alias.jpg")).body, "jpeg bytes");
}

TEST_F(FileFetcherTest, SiblingDirectoryWithTheSamePrefixIsOutside) {
  // "/…/origin-private" starts with "/…/origin" but is not below it.
  dir_.write("origin-private/x.jpg", "private");
  fs::create_symlink(dir_.file("origin-private/x.jpg"), dir_.file("origin/x.jpg"));
  EXPECT_EQ(failure("x.jpg"), Errc::not_found);
}

TEST_F(FileFetcherTest, LargerThanMaxSourceSizeIsUnsupported) {
  config_.max_source_size = 5;
  EXPECT_EQ(failure("photos/a b.jpg"), Errc::unsupported_image);
  config_.max_source_size = 10;  // exactly the file's size
  EXPECT_EQ(fetcher()->fetch(request("photos/a b.jpg")).body, "jpeg bytes");
}

TEST_F(FileFetcherTest, SourceUrlNamesTheFile) {
  std::string url = fetcher()->source_url(request("photos/a b.jpg"));
  EXPECT_EQ(url.rfind("file://", 0), 0u) << url;
  EXPECT_NE(url.find("/origin/photos/a b.jpg"), std::string::npos) << url;
}

TEST(MakeOriginFetcher, NeedsAnOrigin) {
  try {
    make_origin_fetcher(origin_options(Config{}));
    ADD_FAILURE() << "no origin accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_config);
  }
}

}  // namespace
}  // namespace imgcache
