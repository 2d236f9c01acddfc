// imgcache-fcgi behind the other deployments users run (issue: real deployments):
// Apache 2.4 with mod_proxy_fcgi (and X-Sendfile through mod_xsendfile), nginx over a
// unix socket, and the responder started by spawn-fcgi with its socket on stdin.
#include <gtest/gtest.h>

#include "tests/integration/stack.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

std::string openssl_md5_token(const std::string& text) {
  return run_command("printf '%s' '" + text +
                     "' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d '=\n'");
}

// The checks every front end must pass: resize, hit, 304, HEAD, errors.
void expect_serves_images(const Stack& stack) {
  const std::string path = "/image/150x150/big.jpg";
  HttpResult miss = stack.get(path);
  ASSERT_EQ(miss.status, 200) << miss.body;
  EXPECT_EQ(miss.header("content-type"), "image/jpeg");
  EXPECT_EQ(miss.header("x-cache"), "MISS");
  EXPECT_EQ(miss.header("x-content-type-options"), "nosniff");
  Decoded image = decode(miss.body);
  EXPECT_EQ(image.width, 150u);
  EXPECT_EQ(image.height, 112u);

  HttpResult hit = stack.get(path);
  EXPECT_EQ(hit.header("x-cache"), "HIT");
  EXPECT_EQ(hit.body, miss.body);
  EXPECT_EQ(hit.header("etag"), miss.header("etag"));
  EXPECT_EQ(hit.header("cache-control").rfind("public, max-age=", 0), 0u);
  EXPECT_EQ(stack.get(path, {"If-None-Match: " + miss.header("etag")}).status, 304);
  HttpResult head = stack.get(path, {}, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());

  EXPECT_EQ(stack.get("/image/150x150/%2e%2e/secret").status, 400);
  EXPECT_EQ(stack.get("/image/150x150/missing.jpg").status, 404);
  EXPECT_EQ(stack.get("/image/150x150/text.txt").status, 415);
  EXPECT_EQ(decode(stack.get("/image/100x100,crop/photo.jpg").body).width, 100u);
}

TEST(Apache, ServesThroughModProxyFcgi) {
  Stack stack({.front = Front::apache});
  expect_serves_images(stack);
}

TEST(Apache, ChecksTokens) {
  Stack stack({.config_lines = {"sign = md5", "secret = s3cret"}, .front = Front::apache});
  const std::string uri = "/image/120x120/photo.jpg";
  EXPECT_EQ(stack.get(uri + "?auth=" + openssl_md5_token(uri + " s3cret")).status, 200);
  EXPECT_EQ(stack.get(uri).status, 403);
  std::string expired = openssl_md5_token("1700000000" + uri + " s3cret");
  EXPECT_EQ(stack.get(uri + "?auth=" + expired + "&expires=1700000000").status, 410);
}

TEST(Apache, XSendfileServesTheSameBytesAndHeaders) {
  Stack stack({.config_lines = {"sendfile_header = x-sendfile"}, .front = Front::apache});
  const std::string path = "/image/160x160/photo.jpg";
  HttpResult miss = stack.get(path);
  HttpResult hit = stack.get(path);
  ASSERT_EQ(hit.status, 200);
  EXPECT_EQ(hit.header("x-cache"), "HIT");
  EXPECT_FALSE(hit.has_header("x-sendfile"));
  EXPECT_EQ(hit.body, miss.body);
  for (const char* name : {"content-type", "etag", "cache-control"}) {
    EXPECT_EQ(hit.header(name), miss.header(name)) << name;
  }
  // Apache sends the miss (streamed from the responder) chunked; the file it sends itself
  // has its length.
  EXPECT_EQ(hit.header("content-length"), std::to_string(miss.body.size()));
}

TEST(Nginx, ServesOverAUnixSocket) {
  Stack stack({.launch = Launch::unix_socket});
  expect_serves_images(stack);
}

TEST(SpawnFcgi, ServesTheSocketPassedOnStdin) {
  Stack stack({.launch = Launch::spawn_fcgi});
  expect_serves_images(stack);
}

}  // namespace
}  // namespace imgcache::testing
