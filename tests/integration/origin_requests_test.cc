// What imgcache-fcgi asks of a real origin nginx (SPEC §2, §4; imgcache-fcgi(8) 502): the
// request's query string stays behind, an entry whose origin gave only Last-Modified is
// revalidated with If-Modified-Since, an entry the origin cannot confirm is served stale
// and not to be kept, and redirects are followed at most three times and never from https
// down to http.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

using namespace std::chrono_literals;

TEST(OriginRequests, TheQueryStringIsNotForwarded) {
  Stack stack;
  HttpResult first = stack.get("/image/100x100/photo.jpg?v=2&size=big");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(decode(first.body).width, 100u);
  HttpResult again = stack.get("/image/100x100/photo.jpg?v=3");
  EXPECT_EQ(again.header("x-cache"), "HIT") << "the query is not part of the cache key";
  EXPECT_EQ(stack.origin_requests("/photo.jpg", 1), 1);
  EXPECT_EQ(stack.origin_requests("/photo.jpg?v=2&size=big", 0), 0);
}

// Requests `path` until its entry is no longer a fresh hit (at most 15 s); returns that answer.
HttpResult first_after_expiry(const Stack& stack, const std::string& path) {
  HttpResult r = stack.get(path);
  for (auto deadline = std::chrono::steady_clock::now() + 15s;
       r.header("x-cache") == "HIT" && std::chrono::steady_clock::now() < deadline;
       r = stack.get(path)) {
    std::this_thread::sleep_for(100ms);
  }
  return r;
}

void set_modification_time(const std::string& path, std::time_t when) {
  const struct timespec times[2] = {{0, UTIME_OMIT}, {when, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

TEST(OriginRevalidation, AnOriginWithOnlyLastModifiedIsAskedIfModifiedSince) {
  TempDir origin;
  ::chmod(origin.path().c_str(), 0755);
  const std::string source = origin.write("a.jpg", read_file(fixtures_dir() + "/photo.jpg"));
  set_modification_time(source, std::time(nullptr) - 3600);
  // "etag off": nginx answers with Last-Modified alone, and 304 to a matching
  // If-Modified-Since.
  Stack stack({.config_lines = {"cache_valid = 1s"},
               .origin_root = origin.path(),
               .origin_directives = "etag off;"});
  const std::string path = "/image/150x150/a.jpg";
  HttpResult miss = stack.get(path);
  ASSERT_EQ(miss.header("x-cache"), "MISS");

  HttpResult revalidated = first_after_expiry(stack, path);
  EXPECT_EQ(revalidated.header("x-cache"), "REVALIDATED");
  EXPECT_EQ(revalidated.body, miss.body);

  origin.write("a.jpg", read_file(fixtures_dir() + "/portrait.jpg"));
  set_modification_time(source, std::time(nullptr) - 60);
  HttpResult changed = first_after_expiry(stack, path);
  EXPECT_EQ(changed.header("x-cache"), "EXPIRED");
  EXPECT_EQ(decode(changed.body).width, 100u);
  EXPECT_EQ(decode(changed.body).height, 150u);
}

TEST(OriginDown, AStaleEntryIsServedWithMaxAge0) {
  Stack stack({.config_lines = {"cache_valid = 1s"}});
  const std::string path = "/image/150x150/photo.jpg";
  HttpResult miss = stack.get(path);
  ASSERT_EQ(miss.header("x-cache"), "MISS");
  const std::time_t validated_by = std::time(nullptr);
  stack.stop_origin();
  // Two seconds past the entry's expiry, what was left of its freshness is negative.
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::time(nullptr) < validated_by + 3 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
  }
  HttpResult stale = stack.get(path);
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.header("x-cache"), "STALE");
  EXPECT_EQ(stale.header("cache-control"), "public, max-age=0");
  EXPECT_EQ(stale.body, miss.body);
}

// An origin nginx whose /rN.jpg redirect N times before reaching photo.jpg.
constexpr const char* kRedirectChain =
    "location = /r1.jpg { return 302 /photo.jpg; }\n"
    "location = /r2.jpg { return 302 /r1.jpg; }\n"
    "location = /r3.jpg { return 302 /r2.jpg; }\n"
    "location = /r4.jpg { return 302 /r3.jpg; }\n";

TEST(OriginRedirects, ThreeAreFollowedAFourthIsRefused) {
  Stack stack({.origin_directives = kRedirectChain});
  HttpResult three = stack.get("/image/100x100/r3.jpg");
  ASSERT_EQ(three.status, 200) << three.body;
  EXPECT_EQ(decode(three.body).width, 100u);
  EXPECT_EQ(stack.get("/image/100x100/r4.jpg").status, 502);
  EXPECT_EQ(stack.origin_requests("/photo.jpg", 1), 1) << "only the chain of three reached it";
}

TEST(OriginRedirects, FromHttpsToHttpIsRefused) {
  const std::string photo = make_image(ImageFormat::jpeg, 400, 300);
  ScriptedOrigin plain([&photo](const std::string&) {
    return http_reply(200, photo, "Content-Type: image/jpeg\r\n");
  });
  const std::string allowed =
      "origin_allow_redirect_hosts = 127.0.0.1:" + std::to_string(plain.port());
  // Both the http and the https origin send /away.jpg to the plain http server.
  Stack http_origin(
      {.config_lines = {allowed},
       .https_origin = true,
       .origin_directives = "location = /away.jpg { return 302 " + plain.url() + "/ok.jpg; }"});
  ASSERT_EQ(http_origin.get("/image/100x100/away.jpg").status, 200)
      << "an allowed host over http, from an http origin";
  ASSERT_EQ(plain.requests().size(), 1u);

  Stack https_origin({.config_lines = {allowed, "origin_ca_file = " + http_origin.ca_file()},
                      .origin = http_origin.origin_https()});
  EXPECT_EQ(https_origin.get("/image/100x100/photo.jpg").status, 200) << "the https origin works";
  EXPECT_EQ(https_origin.get("/image/100x100/away.jpg").status, 502);
  EXPECT_EQ(plain.requests().size(), 1u) << "the downgraded request was sent";
}

}  // namespace
}  // namespace imgcache::testing
