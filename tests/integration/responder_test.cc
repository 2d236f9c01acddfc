// imgcache-fcgi behind a real nginx, fetching from a real origin on 127.0.0.1 (issue:
// the FastCGI responder). Every check is on what a client sees: status, headers, the
// decoded image, and the files in the cache directory.
#include <Magick++.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "core/cache_layout.h"
#include "core/config.h"
#include "core/image_request.h"
#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"
#include "tests/support/wait.h"

namespace imgcache::testing {
namespace {

// The token the nginx secure_link documentation computes with openssl.
std::string openssl_md5_token(const std::string& text) {
  return run_command("printf '%s' '" + text +
                     "' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d '=\n'");
}

std::string cli(const std::string& arguments) {
  return run_command(std::string(IMGCACHE_CLI_BIN) + " " + arguments);
}

// The value of one unlabelled counter from the responder's metrics (-1 if absent).
long long metric(Stack& stack, const std::string& name) {
  std::string text = stack.get("/imgcache/metrics").body;
  auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size() + 2));
}

// True once the responder's log holds `text` (it writes a request's line after the answer).
bool logged(const Stack& stack, const std::string& text) {
  return wait_until([&] { return stack.responder_log().find(text) != std::string::npos; });
}

class ResponderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new Stack(); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  static Stack* stack_;
};
Stack* ResponderTest::stack_ = nullptr;

TEST_F(ResponderTest, ResizesLikeNginxImageFilter) {
  HttpResult r = stack_->get("/image/150x150/big.jpg");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "image/jpeg");
  Decoded image = decode(r.body);
  EXPECT_EQ(image.format, "JPEG");
  EXPECT_EQ(image.width, 150u);
  EXPECT_EQ(image.height, 112u);  // nginx truncates 112.5
  EXPECT_EQ(std::to_string(r.body.size()), r.header("content-length"));

  Decoded portrait = decode(stack_->get("/image/150x150/portrait.jpg").body);
  EXPECT_EQ(portrait.width, 100u);
  EXPECT_EQ(portrait.height, 150u);
}

// The colour at (x, y) as 8-bit RGB.
std::array<int, 3> rgb_at(const std::string& bytes, unsigned x, unsigned y) {
  Magick::Image image(Magick::Blob(bytes.data(), bytes.size()));
  Magick::ColorRGB colour = image.pixelColor(x, y);
  return {static_cast<int>(colour.red() * 255), static_cast<int>(colour.green() * 255),
          static_cast<int>(colour.blue() * 255)};
}

int distance(const std::array<int, 3>& a, const std::array<int, 3>& b) {
  return std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
}

TEST_F(ResponderTest, RotationsTurnCounterClockwise) {
  // The photo's top edge and bottom edge differ in colour (a vertical gradient): after r90
  // the top edge is on the left, after r270 on the right, after r180 at the bottom.
  const std::string upright = stack_->get("/image/300x300/photo.jpg").body;
  ASSERT_EQ(decode(upright).width, 300u);
  const auto top = rgb_at(upright, 150, 3);
  const auto bottom = rgb_at(upright, 150, 221);
  ASSERT_GT(distance(top, bottom), 60) << "the fixture needs distinct top and bottom edges";
  const std::string r90 = stack_->get("/image/300x300,r90/photo.jpg").body;
  EXPECT_LT(distance(rgb_at(r90, 3, 150), top), distance(rgb_at(r90, 3, 150), bottom));
  EXPECT_LT(distance(rgb_at(r90, 221, 150), bottom), distance(rgb_at(r90, 221, 150), top));
  const std::string r270 = stack_->get("/image/300x300,r270/photo.jpg").body;
  EXPECT_LT(distance(rgb_at(r270, 3, 150), bottom), distance(rgb_at(r270, 3, 150), top));
  EXPECT_LT(distance(rgb_at(r270, 221, 150), top), distance(rgb_at(r270, 221, 150), bottom));
  const std::string r180 = stack_->get("/image/300x300,r180/photo.jpg").body;
  EXPECT_LT(distance(rgb_at(r180, 150, 221), top), distance(rgb_at(r180, 150, 221), bottom));
}

TEST_F(ResponderTest, CropsAndRotates) {
  Decoded crop = decode(stack_->get("/image/150x150,crop/big.jpg").body);
  EXPECT_EQ(crop.width, 150u);
  EXPECT_EQ(crop.height, 150u);
  Decoded rotated = decode(stack_->get("/image/300x300,r90/photo.jpg").body);
  EXPECT_EQ(rotated.width, 225u);
  EXPECT_EQ(rotated.height, 300u);
  Decoded both = decode(stack_->get("/image/100x200,crop,r270/photo.jpg").body);
  EXPECT_EQ(both.width, 100u);
  EXPECT_EQ(both.height, 200u);
}

TEST_F(ResponderTest, KeepsAlphaAndAnimationAndConvertsFormats) {
  Decoded png = decode(stack_->get("/image/200x200/alpha.png").body);
  EXPECT_EQ(png.format, "PNG");
  EXPECT_TRUE(png.has_alpha);
  Decoded gif = decode(stack_->get("/image/50x50/anim.gif").body);
  EXPECT_EQ(gif.frames, 3u);
  EXPECT_EQ(gif.width, 50u);
  EXPECT_EQ(gif.height, 25u);
  HttpResult webp = stack_->get("/image/200x200,webp/photo.jpg");
  EXPECT_EQ(webp.header("content-type"), "image/webp");
  EXPECT_EQ(decode(webp.body).format, "WEBP");
}

TEST_F(ResponderTest, AnimatedGifToWebpIsAnimatedAsImgcacheResizeMakesIt) {
  HttpResult r = stack_->get("/image/50x50,webp/anim.gif");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "image/webp");
  WebpAnimation animation = decode_webp_animation(r.body);
  EXPECT_EQ(animation.frames_rgba.size(), 3u);
  EXPECT_EQ(animation.width, 50u);
  EXPECT_EQ(animation.height, 25u);
  EXPECT_EQ(animation.durations_ms, (std::vector<int>{100, 100, 100}));
  const std::string resized =
      run_command(std::string(IMGCACHE_CLI_BIN) + " --config " + stack_->config_file() +
                  " resize -s 50x50 -f webp " + fixtures_dir() + "/anim.gif - 2>/dev/null");
  EXPECT_TRUE(resized == r.body) << "imgcache resize gives other bytes than the server";
}

TEST_F(ResponderTest, SmallImagePassesThroughUnchanged) {
  HttpResult r = stack_->get("/image/150x150/small.jpg");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, read_file(fixtures_dir() + "/small.jpg"));
}

TEST_F(ResponderTest, InfoAnswersNginxSizeJson) {
  HttpResult r = stack_->get("/image/info/photo.jpg");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{ \"img\" : { \"width\": 1600, \"height\": 1200, \"type\": \"jpeg\" } }\r\n");
}

TEST_F(ResponderTest, PathsWithSpacesReachTheOrigin) {
  HttpResult r = stack_->get("/image/100x100/dir%20with%20space/photo%20one.jpg");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(decode(r.body).width, 100u);
}

TEST_F(ResponderTest, MissThenHitWithIdenticalBytesAtTheNginxLayoutPath) {
  const std::string path = "/image/120x120/photo.jpg";
  HttpResult miss = stack_->get(path);
  HttpResult hit = stack_->get(path);
  ASSERT_EQ(miss.status, 200);
  EXPECT_EQ(miss.header("x-cache"), "MISS");
  EXPECT_EQ(hit.header("x-cache"), "HIT");
  EXPECT_EQ(miss.body, hit.body);
  EXPECT_EQ(miss.header("etag"), hit.header("etag"));

  Config config;
  std::string key = cache_key(stack_->origin_http(), parse_image_request(path, config), {});
  std::string hex = key_digest(key);
  std::string file =
      stack_->cache_dir() + "/" + hex.substr(31, 1) + "/" + hex.substr(29, 2) + "/" + hex;
  EXPECT_EQ(read_file(file), miss.body);
}

TEST_F(ResponderTest, EquivalentSpellingsShareOneEntry) {
  HttpResult first = stack_->get("/image/110x110,q60,crop/photo.jpg");
  HttpResult second = stack_->get("/image/110x110,crop,q60/photo.jpg");
  EXPECT_EQ(first.header("x-cache"), "MISS");
  EXPECT_EQ(second.header("x-cache"), "HIT");
  EXPECT_EQ(first.body, second.body);
}

TEST_F(ResponderTest, ValidatorsConditionalsAndHead) {
  const std::string path = "/image/130x130/photo.jpg";
  HttpResult r = stack_->get(path);
  ASSERT_EQ(r.status, 200);
  std::string etag = r.header("etag");
  ASSERT_EQ(etag.size(), 34u);  // a strong, quoted MD5
  EXPECT_EQ(etag.front(), '"');
  EXPECT_FALSE(r.header("last-modified").empty());
  EXPECT_EQ(r.header("cache-control").rfind("public, max-age=", 0), 0u);

  HttpResult not_modified = stack_->get(path, {"If-None-Match: " + etag});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(stack_->get(path, {"If-None-Match: \"other\""}).status, 200);
  EXPECT_EQ(stack_->get(path, {"If-Modified-Since: " + r.header("last-modified")}).status, 304);
  EXPECT_EQ(stack_->get(path, {"If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT"}).status, 200);

  HttpResult head = stack_->get(path, {}, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-length"), std::to_string(r.body.size()));
  EXPECT_EQ(head.header("etag"), etag);

  HttpResult post = stack_->get(path, {}, "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("allow"), "GET, HEAD");
}

struct StatusCase {
  const char* path;
  long status;
};

TEST_F(ResponderTest, BadRequestsGetTheirStatus) {
  const StatusCase cases[] = {
      {"/image/0x100/photo.jpg", 400},
      {"/image/99999x100/photo.jpg", 400},
      {"/image/150x150,blur/photo.jpg", 400},
      {"/image/150x150,crop,crop/photo.jpg", 400},
      {"/image/150/photo.jpg", 400},
      {"/image/150x150/%2e%2e/etc/passwd", 400},
      {"/image/150x150/a/%2E%2E/%2e%2e/photo.jpg", 400},
      {"/image/150x150/..%2fphoto.jpg", 400},
      {"/image/150x150/%252e%252e/photo.jpg", 400},
      {"/image/150x150/a%5cb.jpg", 400},
      {"/image/150x150/a//photo.jpg", 400},
      {"/image/150x150/missing.jpg", 404},
      {"/image/150x150/text.txt", 415},
      {"/image/150x150/truncated.jpg", 415},
      {"/image/150x150/page.svg", 415},
  };
  for (const StatusCase& c : cases) {
    HttpResult r = stack_->get(c.path);
    EXPECT_EQ(r.status, c.status) << c.path << ": " << r.body;
    EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8") << c.path;
    EXPECT_EQ(r.body.find(fixtures_dir()), std::string::npos) << "leaks a path: " << r.body;
    EXPECT_LT(r.body.size(), 64u) << c.path;
  }
}

TEST_F(ResponderTest, ConcurrentMissesFetchOnce) {
  const std::string path = "/image/140x140/big.jpg";
  const int fetched_before = stack_->origin_requests("/big.jpg", 0);
  std::vector<std::future<HttpResult>> results;
  for (int i = 0; i < 32; ++i) {
    results.push_back(std::async(std::launch::async, [&] { return stack_->get(path); }));
  }
  std::string first;
  for (auto& future : results) {
    HttpResult r = future.get();
    ASSERT_EQ(r.status, 200);
    if (first.empty()) first = r.body;
    EXPECT_EQ(r.body, first);
  }
  EXPECT_EQ(stack_->origin_requests("/big.jpg", fetched_before + 1) - fetched_before, 1)
      << "one fetch for one key";
  EXPECT_EQ(decode(first).width, 140u);
}

// Entries (body and .meta) in the cache directory.
int cache_entries(const Stack& stack) {
  int entries = 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(stack.cache_dir())) {
    entries += item.path().extension() == ".meta";
  }
  return entries;
}

TEST(ResponderCacheKey, AQualityTheFormatGetsAnywayIsOneEntryAndOneFetch) {
  Stack stack;
  const std::vector<std::string> same = {"/image/150x150,jpeg/portrait.jpg",
                                         "/image/150x150,q75,jpeg/portrait.jpg",
                                         "/image/150x150,jpeg,q075/portrait.jpg"};
  HttpResult first = stack.get(same[0]);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("x-cache"), "MISS");
  for (std::size_t i = 1; i < same.size(); ++i) {
    HttpResult again = stack.get(same[i]);
    EXPECT_EQ(again.header("x-cache"), "HIT") << same[i];
    EXPECT_EQ(again.body, first.body) << same[i];
  }
  // PNG takes no quality.
  EXPECT_EQ(stack.get("/image/150x150,png/portrait.jpg").header("x-cache"), "MISS");
  EXPECT_EQ(stack.get("/image/150x150,png,q40/portrait.jpg").header("x-cache"), "HIT");
  EXPECT_EQ(cache_entries(stack), 2);
  EXPECT_EQ(stack.origin_requests("/portrait.jpg", 2), 2);
}

TEST(ResponderLimits, UnconstrainedSidesStayWithinTheMaxima) {
  Stack stack({.config_lines = {"max_width = 1000", "max_height = 900"}});
  // big.jpg is 4000×3000: every side '-' leaves free is bounded by its maximum.
  for (const char* path : {"/image/-x900/big.jpg", "/image/1000x-/big.jpg", "/image/-x-/big.jpg",
                           "/image/-x500,crop/big.jpg", "/image/-x-,r90/big.jpg"}) {
    HttpResult r = stack.get(path);
    ASSERT_EQ(r.status, 200) << path;
    Decoded image = decode(r.body);
    EXPECT_LE(image.width, 1000u) << path;
    EXPECT_LE(image.height, 1000u) << path;
    EXPECT_GE(image.width, 500u) << path;  // bounded, not shrunk further
  }
  EXPECT_EQ(stack.get("/image/1001x-/big.jpg").status, 400);
}

TEST(ResponderLimits, OversizeAndBombsAre415) {
  Stack stack({.config_lines = {"max_source_size = 300k", "max_source_pixels = 20000000"}});
  EXPECT_EQ(stack.get("/image/150x150/huge.jpg").status, 415);
  EXPECT_EQ(stack.get("/image/150x150/bomb.png").status, 415);
  EXPECT_EQ(stack.get("/image/150x150/photo.jpg").status, 200);
}

TEST(ResponderOrigin, DownIs502AndStalledIs504) {
  ReservedPort nothing_listens;
  Stack down({.origin = "http://127.0.0.1:" + std::to_string(nothing_listens.port())});
  EXPECT_EQ(down.get("/image/150x150/photo.jpg").status, 502);

  // fetch_timeout is what ends the wait, long before the origin would answer.
  ScriptedOrigin stalled(delayed(std::chrono::seconds(20), "never in time"));
  Stack slow({.config_lines = {"fetch_timeout = 1s"}, .origin = stalled.url()});
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(slow.get("/image/150x150/photo.jpg").status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ResponderOrigin, ProxiesFromTheEnvironmentAreIgnored) {
  // A proxy would connect on the responder's behalf, past its internal-address check.
  std::atomic<int> proxied{0};
  ScriptedOrigin proxy([&proxied](const std::string&) {
    ++proxied;
    return http_reply(502, "proxy");
  });
  Stack stack({.responder_shell_prefix = "export http_proxy=" + proxy.url() + " HTTP_PROXY=" +
                                         proxy.url() + " all_proxy=" + proxy.url() + " no_proxy="});
  HttpResult r = stack.get("/image/150x150/photo.jpg");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(decode(r.body).width, 150u);
  EXPECT_EQ(proxied, 0);
}

TEST(ResponderOrigin, CredentialsInTheOriginReachItAndNothingElse) {
  ScriptedOrigin origin(
      [photo = read_file(fixtures_dir() + "/photo.jpg")](const std::string& path) {
        return path == "/photo.jpg" ? http_reply(200, photo) : http_reply(404, "no");
      });
  Stack stack({.origin = "http://img%40user:s3cr%3At@127.0.0.1:" + std::to_string(origin.port())});
  ASSERT_EQ(stack.get("/image/150x150/photo.jpg").status, 200);
  EXPECT_EQ(stack.get("/image/150x150/missing.jpg").status, 404);
  const std::string basic =
      "Authorization: Basic " + run_command("printf '%s' 'img@user:s3cr:t' | base64 | tr -d '\n'");
  std::vector<std::string> requests = origin.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const std::string& request : requests) EXPECT_NE(request.find(basic), std::string::npos);
  // Neither the cache (keys, .meta) nor the log (errors included) holds them.
  for (const auto& item : std::filesystem::recursive_directory_iterator(stack.cache_dir())) {
    if (!item.is_regular_file()) continue;
    EXPECT_EQ(read_file(item.path().string()).find("s3cr"), std::string::npos) << item.path();
  }
  std::string log = stack.responder_log();
  EXPECT_NE(log.find("missing.jpg"), std::string::npos);
  EXPECT_EQ(log.find("s3cr"), std::string::npos) << log;
}

TEST(ResponderOrigin, CredentialedOriginFollowsItsOwnRelativeRedirectsAndLogsNoPassword) {
  ScriptedOrigin origin(
      [photo = read_file(fixtures_dir() + "/photo.jpg")](const std::string& path) {
        if (path == "/old/photo.jpg") return http_reply(302, "", "Location: /new/photo.jpg\r\n");
        if (path == "/new/photo.jpg") return http_reply(200, photo);
        if (path == "/loop.jpg") return http_reply(302, "", "Location: loop.jpg\r\n");
        if (path == "/away.jpg") {
          return http_reply(302, "", "Location: http://img:s3cr3t@other.invalid/away.jpg\r\n");
        }
        return http_reply(404, "no");
      });
  Stack stack({.origin = "http://img:s3cr3t@127.0.0.1:" + std::to_string(origin.port())});
  HttpResult r = stack.get("/image/150x150/old/photo.jpg");
  ASSERT_EQ(r.status, 200) << stack.responder_log();
  EXPECT_EQ(decode(r.body).width, 150u);
  EXPECT_EQ(stack.get("/image/150x150/loop.jpg").status, 502);  // more than three
  EXPECT_EQ(stack.get("/image/150x150/away.jpg").status, 502);  // another host

  // The credentials went to the origin's host, after its redirect too.
  const std::string basic =
      "Authorization: Basic " + run_command("printf '%s' 'img:s3cr3t' | base64 | tr -d '\n'");
  int redirected = 0;
  for (const std::string& request : origin.requests()) {
    EXPECT_NE(request.find(basic), std::string::npos) << request;
    if (request.rfind("GET /new/photo.jpg ", 0) == 0) ++redirected;
  }
  EXPECT_EQ(redirected, 1);
  // The refused redirects are logged, without user information.
  std::string log = stack.responder_log();
  EXPECT_NE(log.find("loop.jpg"), std::string::npos) << log;
  EXPECT_NE(log.find("other.invalid"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cr3t"), std::string::npos) << log;
}

TEST(ResponderOrigin, HttpsWithTestCaAndSni) {
  Stack probe({.https_origin = true});  // starts the TLS origin and makes the CA
  {
    Stack trusted(
        {.config_lines = {"origin_ca_file = " + probe.ca_file()}, .origin = probe.origin_https()});
    // The stacks share fixtures; only the origin URL and trust differ.
    HttpResult r = trusted.get("/image/150x150/photo.jpg");
    EXPECT_EQ(r.status, 200) << trusted.responder_log();
    EXPECT_EQ(decode(r.body).width, 150u);
  }
  Stack untrusted({.origin = probe.origin_https()});
  EXPECT_EQ(untrusted.get("/image/150x150/photo.jpg").status, 502);
}

TEST(ResponderSigning, Md5TokensFromOpensslAndTheCli) {
  Stack stack({.config_lines = {"sign = md5", "secret = s3cret"}});
  const std::string uri = "/image/150x150/photo.jpg";
  std::string token = openssl_md5_token(uri + " s3cret");
  EXPECT_EQ(stack.get(uri + "?auth=" + token).status, 200);
  EXPECT_EQ(stack.get(uri).status, 403);
  EXPECT_EQ(stack.get(uri + "?auth=AAAAAAAAAAAAAAAAAAAAAA").status, 403);
  EXPECT_EQ(stack.get("/image/151x150/photo.jpg?auth=" + token).status, 403);

  std::string expired = openssl_md5_token("1700000000" + uri + " s3cret");
  EXPECT_EQ(stack.get(uri + "?auth=" + expired + "&expires=1700000000").status, 410);
  EXPECT_EQ(stack.get(uri + "?auth=" + expired + "&expires=1700000001").status, 403);

  std::string signed_uri = cli("--sign md5 --secret s3cret sign --expires 1h " + uri);
  signed_uri.erase(signed_uri.find_last_not_of('\n') + 1);
  EXPECT_EQ(stack.get(signed_uri).status, 200) << signed_uri;
}

TEST(ResponderSigning, HmacTokensFromTheCli) {
  Stack stack({.config_lines = {"sign = hmac-sha256", "secret = k3y", "secret_previous = old"}});
  std::string fresh = cli("--sign hmac-sha256 --secret k3y sign /image/90x90/photo.jpg");
  std::string old = cli("--sign hmac-sha256 --secret old sign /image/90x90/photo.jpg");
  std::string other = cli("--sign hmac-sha256 --secret nope sign /image/90x90/photo.jpg");
  for (std::string* s : {&fresh, &old, &other}) s->erase(s->find_last_not_of('\n') + 1);
  EXPECT_EQ(stack.get(fresh).status, 200);
  EXPECT_EQ(stack.get(old).status, 200);
  EXPECT_EQ(stack.get(other).status, 403);
}

TEST(ResponderSendfile, XAccelRedirectServesTheSameBytesAndHeaders) {
  Stack stack(
      {.config_lines = {"sendfile_header = x-accel-redirect", "auto_webp = on", "auto_avif = on"}});
  const std::string path = "/image/160x160/photo.jpg";
  const std::string accept = "Accept: image/avif,image/webp,*/*";
  HttpResult miss = stack.get(path, {accept});
  HttpResult hit = stack.get(path, {accept});
  ASSERT_EQ(miss.status, 200);
  ASSERT_EQ(hit.status, 200);
  EXPECT_EQ(hit.header("x-cache"), "HIT");
  EXPECT_EQ(hit.body, miss.body);
  for (const char* name : {"content-type", "etag", "last-modified", "vary", "content-length",
                           "x-content-type-options"}) {
    EXPECT_EQ(hit.header(name), miss.header(name)) << name;
  }
  EXPECT_EQ(hit.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(hit.header("vary"), "Accept");
  EXPECT_EQ(hit.header("content-type"), "image/avif");
  EXPECT_EQ(hit.header("cache-control").rfind("public, max-age=", 0), 0u);
  EXPECT_FALSE(hit.has_header("x-accel-redirect"));
  // nginx sent the hit's file itself: the responder wrote no body for it.
  ASSERT_TRUE(logged(stack, "cache=HIT"));
  const std::string log = stack.responder_log();
  const auto hit_line = log.find("uri=" + path + " cache=HIT");
  ASSERT_NE(hit_line, std::string::npos) << log;
  EXPECT_EQ(log.compare(log.find("bytes=", hit_line), 8, "bytes=0 "), 0)
      << "the hit was streamed, not handed to nginx: " << log.substr(hit_line, 80);
  EXPECT_EQ(stack.get(path, {accept, "If-None-Match: " + miss.header("etag")}).status, 304);
}

TEST(ResponderNegotiation, AutoWebpHasItsOwnEntryAndVary) {
  Stack stack({.config_lines = {"auto_webp = on"}});
  const std::string path = "/image/150x150/photo.jpg";
  HttpResult webp = stack.get(path, {"Accept: image/avif,image/webp,*/*"});
  HttpResult jpeg = stack.get(path, {"Accept: image/*"});
  EXPECT_EQ(webp.header("content-type"), "image/webp");
  EXPECT_EQ(jpeg.header("content-type"), "image/jpeg");
  EXPECT_EQ(webp.header("vary"), "Accept");
  EXPECT_EQ(jpeg.header("vary"), "Accept");
  EXPECT_EQ(jpeg.header("x-cache"), "MISS");  // a separate entry
  EXPECT_EQ(stack.get(path, {"Accept: image/webp"}).header("x-cache"), "HIT");
  // An explicit format is not negotiated.
  EXPECT_FALSE(
      stack.get("/image/150x150,png/photo.jpg", {"Accept: image/webp"}).has_header("vary"));
}

// Accept headers as browsers send them for <img>.
const char* kChromeAccept =
    "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
const char* kFirefoxAccept = "Accept: image/avif,image/webp,*/*";
const char* kSafariAccept =
    "Accept: image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"
    "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5";
const char* kOldBrowserAccept = "Accept: image/webp,*/*";

TEST(ResponderNegotiation, EachBrowserGetsTheFirstFormatOfAutoOrderItAccepts) {
  Stack stack({.config_lines = {"auto_webp = on", "auto_avif = on"}});  // auto_jxl off
  const std::string path = "/image/150x150/photo.jpg";
  for (const char* accept : {kChromeAccept, kFirefoxAccept, kSafariAccept}) {
    HttpResult avif = stack.get(path, {accept});
    ASSERT_EQ(avif.status, 200) << accept;
    EXPECT_EQ(avif.header("content-type"), "image/avif") << accept;
    EXPECT_EQ(avif.header("vary"), "Accept");
    Decoded picture = decode(readable(avif.body));
    EXPECT_EQ(picture.width, 150u);
    EXPECT_EQ(picture.height, 112u);  // nginx truncates 112.5
  }
  HttpResult webp = stack.get(path, {kOldBrowserAccept});
  EXPECT_EQ(webp.header("content-type"), "image/webp");
  EXPECT_EQ(webp.header("x-cache"), "MISS");  // its own entry
  EXPECT_EQ(decode(webp.body).width, 150u);
  HttpResult jpeg = stack.get(path, {"Accept: */*"});
  EXPECT_EQ(jpeg.header("content-type"), "image/jpeg");
  EXPECT_EQ(jpeg.header("vary"), "Accept");
  EXPECT_EQ(jpeg.header("x-cache"), "MISS");
  EXPECT_EQ(stack.get(path, {kChromeAccept}).header("x-cache"), "HIT");
  // An animated GIF that loops forever goes to them as an animated AVIF.
  HttpResult animation = stack.get("/image/50x50/anim.gif", {kChromeAccept});
  EXPECT_EQ(animation.header("content-type"), "image/avif");
  EXPECT_EQ(avif_durations_ms(animation.body).size(), 3u);
}

TEST(ResponderNegotiation, AutoJxlServesSafariJpegXl) {
  Stack stack({.config_lines = {"auto_webp = on", "auto_avif = on", "auto_jxl = on"}});
  const std::string path = "/image/150x150/photo.jpg";
  HttpResult jxl = stack.get(path, {kSafariAccept});
  ASSERT_EQ(jxl.status, 200);
  EXPECT_EQ(jxl.header("content-type"), "image/jxl");
  EXPECT_EQ(jxl.header("vary"), "Accept");
  EXPECT_EQ(decode(readable(jxl.body)).width, 150u);
  EXPECT_EQ(stack.get(path, {kChromeAccept}).header("content-type"), "image/avif");
  EXPECT_EQ(stack.get(path, {kOldBrowserAccept}).header("content-type"), "image/webp");
  EXPECT_EQ(stack.get(path, {"Accept: image/jxl;q=0, image/avif"}).header("content-type"),
            "image/avif");
}

TEST(ResponderNegotiation, TheNginxMicroCacheKeepsEachNegotiationApart) {
  Stack stack({.config_lines = {"auto_webp = on", "auto_avif = on"}, .microcache = true});
  const std::string path = "/image/150x150/photo.jpg";
  for (int round = 0; round < 2; ++round) {  // the second from nginx's micro-cache
    SCOPED_TRACE(round);
    EXPECT_EQ(stack.get(path, {kChromeAccept}).header("content-type"), "image/avif");
    EXPECT_EQ(stack.get(path, {kOldBrowserAccept}).header("content-type"), "image/webp");
    EXPECT_EQ(stack.get(path, {"Accept: */*"}).header("content-type"), "image/jpeg");
  }
  // Each (URI, Accept) reached the responder once: the repeats were nginx's.
  const std::string log = stack.responder_log();
  std::size_t served = 0;
  for (auto at = log.find("uri=" + path); at != std::string::npos;
       at = log.find("uri=" + path, at + 1)) {
    ++served;
  }
  EXPECT_EQ(served, 3u) << log;
}

TEST(ResponderNegotiation, AutoOrderCanPreferWebp) {
  Stack stack({.config_lines = {"auto_webp = on", "auto_avif = on", "auto_order = webp, avif"}});
  EXPECT_EQ(stack.get("/image/150x150/photo.jpg", {kChromeAccept}).header("content-type"),
            "image/webp");
  EXPECT_EQ(stack.get("/image/150x150/photo.jpg", {"Accept: image/avif"}).header("content-type"),
            "image/avif");
}

TEST(ResponderNegotiation, AutoWebpAnimatesAnimatedGifs) {
  Stack stack({.config_lines = {"auto_webp = on"}});
  const std::string path = "/image/50x50/anim.gif";
  HttpResult webp = stack.get(path, {"Accept: image/webp,*/*"});
  ASSERT_EQ(webp.status, 200) << webp.body;
  EXPECT_EQ(webp.header("content-type"), "image/webp");
  EXPECT_EQ(webp.header("vary"), "Accept");
  EXPECT_EQ(decode_webp_animation(webp.body).frames_rgba.size(), 3u);
  HttpResult gif = stack.get(path, {"Accept: image/*"});
  EXPECT_EQ(gif.header("content-type"), "image/gif");
  EXPECT_EQ(gif.header("x-cache"), "MISS");  // a separate entry
  EXPECT_EQ(decode(gif.body).frames, 3u);
  EXPECT_EQ(stack.get(path, {"Accept: image/webp"}).header("x-cache"), "HIT");
}

TEST(ResponderFileOrigin, ServesFromADirectory) {
  Stack stack({.origin = "file://" + fixtures_dir()});
  HttpResult r = stack.get("/image/150x150/photo.jpg");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(decode(r.body).width, 150u);
  EXPECT_EQ(stack.get("/image/150x150/missing.jpg").status, 404);
}

TEST(ResponderShutdown, SigtermLetsTheRequestInFlightFinish) {
  GatedOrigin slow(read_file(fixtures_dir() + "/photo.jpg"));
  Stack stack({.origin = slow.origin.url()});
  auto pending = std::async(std::launch::async, [&] { return stack.get("/image/150x150/x.jpg"); });
  ASSERT_TRUE(wait_until([&] { return !slow.origin.requests().empty(); }));
  ASSERT_EQ(slow.origin.requests().size(), 1u) << "the miss is being fetched";
  stack.responder().signal(SIGTERM);
  ASSERT_TRUE(logged(stack, "imgcache-fcgi: stopping"));
  slow.open.set_value();
  HttpResult r = pending.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(decode(r.body).width, 150u);
  EXPECT_EQ(stack.responder().wait(std::chrono::seconds(5)), std::optional<int>(0));
}

TEST(ResponderShutdown, RequestsWaitingForAWorkerAreAnsweredBeforeTheStop) {
  // One worker fetching, a second miss waiting for it: on SIGTERM both are answered (with a
  // single upstream server, one closed unanswered would be nginx's 502), and the responder
  // then exits.
  GatedOrigin slow(read_file(fixtures_dir() + "/photo.jpg"));
  Stack stack({.config_lines = {"threads = 1", "metrics_path = /imgcache/metrics"},
               .origin = slow.origin.url()});
  auto first = std::async(std::launch::async, [&] { return stack.get("/image/150x150/a.jpg"); });
  ASSERT_TRUE(wait_until([&] { return !slow.origin.requests().empty(); }));
  auto second = std::async(std::launch::async, [&] { return stack.get("/image/150x150/b.jpg"); });
  ASSERT_TRUE(wait_until([&] { return metric(stack, "imgcache_waiting") == 1; }))
      << "b.jpg waits for the worker";
  stack.responder().signal(SIGTERM);
  ASSERT_TRUE(logged(stack, "imgcache-fcgi: stopping"));
  slow.open.set_value();
  EXPECT_EQ(first.get().status, 200);
  HttpResult waited = second.get();
  EXPECT_EQ(waited.status, 200);
  EXPECT_EQ(decode(waited.body).width, 150u);
  EXPECT_EQ(slow.origin.requests().size(), 2u);
  EXPECT_EQ(stack.responder().wait(std::chrono::seconds(5)), std::optional<int>(0));
  EXPECT_EQ(stack.responder_log().find("closed unanswered"), std::string::npos);
}

TEST(ResponderShutdown, IdleKeptConnectionsDoNotDelayTheStop) {
  Stack stack;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(stack.get("/image/90x90/photo.jpg").status, 200);
  // nginx now holds an idle kept connection to the responder. Were it waited for, the stop
  // would take the whole grace period (10 s); closed at once, it takes far less.
  stack.responder().signal(SIGTERM);
  EXPECT_EQ(stack.responder().wait(std::chrono::seconds(5)), std::optional<int>(0));
}

TEST(ResponderMetrics, AreCleanForPromtoolAndTimeEachRouteByCacheResult) {
  Stack stack(
      {.config_lines = {"metrics_path = /imgcache/metrics", "health_path = /imgcache/health"}});
  ASSERT_EQ(stack.get("/image/80x-/photo.jpg").header("x-cache"), "MISS");
  ASSERT_EQ(stack.get("/image/80x-/photo.jpg").header("x-cache"), "HIT");
  ASSERT_EQ(stack.get("/image/info/photo.jpg").status, 200);
  ASSERT_EQ(stack.get("/image/80x-/missing.jpg").status, 404);
  ASSERT_EQ(stack.get("/imgcache/health").status, 200);
  // Counted as its answer is logged, after the client has it.
  ASSERT_TRUE(logged(stack, "uri=/imgcache/health"));
  const std::string text = stack.get("/imgcache/metrics").body;
  for (const char* series :
       {"imgcache_request_duration_seconds_count{route=\"image\",cache=\"MISS\"} 1\n",
        "imgcache_request_duration_seconds_count{route=\"image\",cache=\"HIT\"} 1\n",
        "imgcache_request_duration_seconds_count{route=\"health\",cache=\"none\"} 1\n",
        "process_resident_memory_bytes ", "process_open_fds ", "process_cpu_seconds_total ",
        "imgcache_build_info{version=\""}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << " in\n" << text;
  }
  TempDir dir;
  dir.write("metrics.txt", text);
  CommandResult lint =
      run_command_status("promtool check metrics < " + dir.file("metrics.txt") + " 2>&1");
  EXPECT_EQ(lint.status, 0) << lint.output;
  EXPECT_EQ(lint.output, "") << lint.output;
}

TEST(ResponderConnections, NginxKeepsOneConnectionForManyRequests) {
  Stack stack({.config_lines = {"metrics_path = /imgcache/metrics"}});
  // Small answers and ones of many FastCGI records: the end of each request arrives with
  // its answer, so nginx always has the connection back for the next request.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(stack.get("/image/120x120/photo.jpg").status, 200);
    ASSERT_GT(stack.get("/image/2000x-/big.jpg").body.size(), 3u * 8192);
  }
  long long connections = metric(stack, "imgcache_connections_total");
  EXPECT_GE(connections, 1);
  EXPECT_LE(connections, 2) << "41 requests, one after another";
}

TEST(ResponderConnections, LargeAnswersOnAKeptConnectionAreNotHeldBack) {
  // An answer larger than 8 KiB on a kept connection: written in pieces
  // without TCP_NODELAY, its last piece would wait for nginx's delayed ACK (Nagle) and
  // every such hit would take about 40 ms.
  Stack stack;
  const std::string path = "/image/2000x-/big.jpg";
  HttpResult miss = stack.get(path);
  ASSERT_EQ(miss.status, 200);
  ASSERT_GT(miss.body.size(), 3u * 8192) << "the answer must be larger than one 8 KiB buffer";
  // Held back, every hit waits at least the 40 ms of the delayed ACK; the fastest of many
  // shows whether any hit escaped it, however loaded the machine is.
  std::vector<double> ms;
  for (int i = 0; i < 21; ++i) {
    auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(stack.get(path).body, miss.body);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  EXPECT_LT(*std::min_element(ms.begin(), ms.end()), 35.0) << "fastest hit time in ms";
}

TEST(ResponderConnections, IdleKeptConnectionsHoldNoWorker) {
  // Eight overlapping misses make nginx open eight connections and keep them all; the
  // responder has two workers. Every request is still served, and promptly.
  ScriptedOrigin slow(
      delayed(std::chrono::milliseconds(300), read_file(fixtures_dir() + "/photo.jpg")));
  Stack stack(
      {.config_lines = {"threads = 2", "max_inflight = 8", "metrics_path = /imgcache/metrics"},
       .origin = slow.url()});
  std::vector<std::future<long>> misses;
  for (int i = 0; i < 8; ++i) {
    misses.push_back(std::async(std::launch::async, [&stack, i] {
      return stack.get("/image/" + std::to_string(100 + i) + "x-/photo.jpg").status;
    }));
  }
  for (auto& miss : misses) EXPECT_EQ(miss.get(), 200);
  EXPECT_GT(metric(stack, "imgcache_connections_total"), 2) << "more connections than workers";
  for (int i = 0; i < 8; ++i) {
    auto start = std::chrono::steady_clock::now();
    HttpResult hit = stack.get("/image/" + std::to_string(100 + i) + "x-/photo.jpg");
    EXPECT_EQ(hit.status, 200);
    EXPECT_EQ(hit.header("x-cache"), "HIT");
    // Held by an idle connection, it would wait for nginx to close one (60 s).
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  }
}

TEST(ResponderConnections, HitsDoNotWaitForBusyWorkers) {
  // One worker, busy with a miss whose origin holds its answer until the test lets it go:
  // hits are answered by the threads that read requests, while that miss still waits. (Had
  // they waited for the worker, they would be answered only once the origin gives up
  // holding, after 10 s, and after the miss.)
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::string photo = read_file(fixtures_dir() + "/photo.jpg");
  ScriptedOrigin origin([&photo, gate](const std::string& path) {
    ScriptedReply reply = http_reply(200, photo);
    if (path.find("slow") != std::string::npos) reply.gate = gate;
    return reply;
  });
  Stack stack({.config_lines = {"threads = 1"}, .origin = origin.url()});
  ASSERT_EQ(stack.get("/image/100x100/fast.jpg").header("x-cache"), "MISS");
  auto miss = std::async(std::launch::async,
                         [&stack] { return stack.get("/image/100x100/slow.jpg").status; });
  ASSERT_TRUE(wait_until([&origin] {
    for (const std::string& request : origin.requests()) {
      if (request.find("slow.jpg") != std::string::npos) return true;
    }
    return false;
  })) << "the origin never saw the miss";
  for (int i = 0; i < 5; ++i) {
    HttpResult hit = stack.get("/image/100x100/fast.jpg");
    EXPECT_EQ(hit.status, 200);
    EXPECT_EQ(hit.header("x-cache"), "HIT");
  }
  EXPECT_EQ(miss.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the hits were answered only after the miss";
  release.set_value();
  EXPECT_EQ(miss.get(), 200);
}

TEST(ResponderLog, OneLinePerRequestWithoutTokens) {
  Stack stack({.config_lines = {"sign = md5", "secret = s3cret"}});
  std::string token = openssl_md5_token("/image/80x80/photo.jpg s3cret");
  stack.get("/image/80x80/photo.jpg?auth=" + token);
  stack.get("/image/80x80/photo.jpg?auth=" + token);
  ASSERT_TRUE(logged(stack, "cache=HIT"));
  const std::string log = stack.responder_log();
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find("s3cret"), std::string::npos);
  EXPECT_NE(log.find("status=200 method=GET uri=/image/80x80/photo.jpg cache=MISS"),
            std::string::npos)
      << log;
}

TEST(ResponderMonitoring, MetricsAndHealthThroughNginx) {
  Stack stack(
      {.config_lines = {"metrics_path = /imgcache/metrics", "health_path = /imgcache/health"}});
  ASSERT_EQ(stack.get("/image/100x100/photo.jpg").status, 200);
  ASSERT_EQ(stack.get("/image/100x100/photo.jpg").status, 200);
  ASSERT_EQ(stack.get("/image/100x100/missing.jpg").status, 404);
  HttpResult health = stack.get("/imgcache/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  // Counters are recorded after each response is written: read until the last one shows.
  HttpResult metrics;
  ASSERT_TRUE(wait_until([&] {
    metrics = stack.get("/imgcache/metrics");
    return metrics.body.find("imgcache_requests_total{status=\"404\"} 1") != std::string::npos;
  })) << metrics.body;
  EXPECT_EQ(metrics.status, 200);
  // Two images and the health check (and any earlier metrics scrape of this loop).
  const std::string ok_line = "imgcache_requests_total{status=\"200\"} ";
  auto at = metrics.body.find(ok_line);
  ASSERT_NE(at, std::string::npos) << metrics.body;
  EXPECT_GE(std::stoi(metrics.body.substr(at + ok_line.size())), 3);
  EXPECT_NE(metrics.body.find("imgcache_requests_total{status=\"404\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("imgcache_cache_results_total{result=\"HIT\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("imgcache_cache_results_total{result=\"MISS\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("imgcache_origin_fetch_seconds_count 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE imgcache_resize_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace imgcache::testing
