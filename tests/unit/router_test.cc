// Router (SPEC §2, §3, §5): what an HTTP client sees — status codes, headers, conditional
// requests, delegated sending — over a real ImageService with a fake origin and clock.
#include "fcgi/router.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/cache_layout.h"
#include "core/http_date.h"
#include "core/imaging/imaging.h"
#include "core/sign.h"
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

const std::string kSecret = "your_secret_8b1d";
const char* kPath = "/image/150x150/photos/a.jpg";
// FakeClock's start, 1'800'000'000, as `date -u -d @1800000000` prints it.
const char* kStartDate = "Fri, 15 Jan 2027 08:00:00 GMT";

class RouterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }

  RouterTest() {
    config_.origin = "https://origin.example";
    config_.cache_dir = dir_.path() + "/cache";
    fetcher_.set("photos/a.jpg", {make_image(ImageFormat::jpeg, 400, 300), "\"v1\""});
  }

  // Built on first use, so a test can change the config first.
  Router& router() {
    if (!router_) {
      store_ = std::make_unique<CacheStore>(config_.cache_dir, parse_levels(config_.cache_levels));
      service_ = std::make_unique<ImageService>(config_, fetcher_, *store_, clock_,
                                                [](std::string_view) {});
      router_ = std::make_unique<Router>(config_, *service_, clock_, &metrics_);
    }
    return *router_;
  }

  HttpResponse handle(HttpRequest request) { return router().handle(request); }
  HttpResponse get(const std::string& path, const std::string& query = "") {
    return handle({.method = "GET", .path = path, .query = query});
  }

  // A hit as the responder answers it: at once, on the thread that read the request.
  HttpResponse hit(const std::string& path) {
    std::variant<HttpResponse, ImageWork> now =
        router().answer_now({.method = "GET", .path = path});
    const HttpResponse* response = std::get_if<HttpResponse>(&now);
    EXPECT_TRUE(response) << path << " is not answered at once";
    return response ? *response : HttpResponse{};
  }

  static std::string header(const HttpResponse& response, const std::string& name) {
    const std::string* value = response.header(name);
    return value ? *value : "(none)";
  }

  void use_md5_signing() {
    config_.sign = SignScheme::md5;
    config_.secret = kSecret;
  }

  // The nginx-layout path of the entry for kPath, relative to cache_dir.
  std::string relative_entry_path() {
    router();
    std::string hex = key_digest(service_->key_for(parse_image_request(kPath, config_), {}));
    return hex.substr(31, 1) + "/" + hex.substr(29, 2) + "/" + hex;
  }

  Config config_;
  TempDir dir_;
  FakeFetcher fetcher_;
  FakeClock clock_;
  Metrics metrics_{"1.2.3 (test)"};
  std::unique_ptr<CacheStore> store_;
  std::unique_ptr<ImageService> service_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, MethodsOtherThanGetAndHeadAre405) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"}) {
    HttpResponse response = handle({.method = method, .path = kPath});
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_EQ(header(response, "Allow"), "GET, HEAD") << method;
  }
  EXPECT_EQ(fetcher_.calls(), 0);
}

TEST_F(RouterTest, HeadHasTheHeadersOfGet) {
  HttpResponse head = handle({.method = "HEAD", .path = kPath});
  EXPECT_EQ(head.status, 200);
  HttpResponse got = get(kPath);
  for (const char* name :
       {"Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"}) {
    EXPECT_EQ(header(head, name), header(got, name)) << name;
  }
}

TEST_F(RouterTest, OutsideThePrefixIs404) {
  for (const char* path :
       {"/", "/favicon.ico", "/images/150x150/a.jpg", "/img/150x150/a.jpg", "/image"}) {
    EXPECT_EQ(get(path).status, 404) << path;
  }
}

TEST_F(RouterTest, MalformedRequestsAre400) {
  for (const char* path : {"/image/0x150/photos/a.jpg", "/image/150x150,r45/photos/a.jpg",
                           "/image/150x150,crop,crop/photos/a.jpg", "/image/150x150/../etc/passwd",
                           "/image/150x150/%2e%2e/x.jpg", "/image/150x150/a%2fb.jpg",
                           "/image/150x150/", "/image/5000x100/photos/a.jpg"}) {
    EXPECT_EQ(get(path).status, 400) << path;
  }
  EXPECT_EQ(fetcher_.calls(), 0);
}

TEST_F(RouterTest, A400SaysWhatIsWrongAndOtherErrorsSayNoMore) {
  EXPECT_EQ(get("/image/5000x100/photos/a.jpg").body,
            "bad request: width 5000 above max_width 4096\n");
  EXPECT_EQ(get("/image/150x150,xyz/photos/a.jpg").body, "bad request: unknown option 'xyz'\n");
  const std::string long_option(1000, 'z');
  EXPECT_LE(get("/image/150x150," + long_option + "/photos/a.jpg").body.size(), 250u);
  // The origin's and the decoder's words stay in the log.
  fetcher_.set("photos/garbage.jpg", {std::string(2000, 'g'), "\"g\""});
  HttpResponse unsupported = get("/image/150x150/photos/garbage.jpg");
  EXPECT_EQ(unsupported.status, 415);
  EXPECT_EQ(unsupported.body, "unsupported image\n");
  EXPECT_FALSE(unsupported.error.empty());
}

TEST_F(RouterTest, SignatureChecks) {
  use_md5_signing();
  const std::string uri = kPath;
  EXPECT_EQ(get(kPath).status, 403);
  EXPECT_EQ(get(kPath, "auth=").status, 403);
  EXPECT_EQ(get(kPath, "auth=TwcXg954Rhkjt1RK8IO4jA").status, 403);
  std::string other_secret = make_token(SignScheme::md5, uri, std::nullopt, "wrong");
  EXPECT_EQ(get(kPath, "auth=" + other_secret).status, 403);
  EXPECT_EQ(fetcher_.calls(), 0);

  std::string token = make_token(SignScheme::md5, uri, std::nullopt, kSecret);
  EXPECT_EQ(get(kPath, "auth=" + token).status, 200);

  const std::int64_t past = clock_.now() - 1;
  std::string expired = make_token(SignScheme::md5, uri, past, kSecret);
  EXPECT_EQ(get(kPath, "auth=" + expired + "&expires=" + std::to_string(past)).status, 410);
  std::string wrong_expired = make_token(SignScheme::md5, uri, past, "wrong");
  EXPECT_EQ(get(kPath, "auth=" + wrong_expired + "&expires=" + std::to_string(past)).status, 403);
  const std::int64_t future = clock_.now() + 60;
  std::string valid = make_token(SignScheme::md5, uri, future, kSecret);
  EXPECT_EQ(get(kPath, "auth=" + valid + "&expires=" + std::to_string(future)).status, 200);
  clock_.advance(61);
  EXPECT_EQ(get(kPath, "auth=" + valid + "&expires=" + std::to_string(future)).status, 410);
}

TEST_F(RouterTest, ExpiringLinkIsCachedNoLongerThanItLives) {
  use_md5_signing();
  const std::int64_t expires = clock_.now() + 3600;
  const std::string query = "auth=" + make_token(SignScheme::md5, kPath, expires, kSecret) +
                            "&expires=" + std::to_string(expires);
  HttpResponse miss = get(kPath, query);
  ASSERT_EQ(miss.status, 200) << miss.error;
  EXPECT_EQ(header(miss, "Cache-Control"), "public, max-age=3600");
  EXPECT_EQ(header(miss, "Expires"), format_http_date(expires));
  clock_.advance(3000);
  HttpResponse hit = get(kPath, query);
  EXPECT_EQ(header(hit, "X-Cache"), "HIT");
  EXPECT_EQ(header(hit, "Cache-Control"), "public, max-age=600");
  EXPECT_EQ(header(hit, "Expires"), format_http_date(expires));
  // The same entry through a link without expiry keeps cache_valid's life, and no Expires.
  HttpResponse lasting =
      get(kPath, "auth=" + make_token(SignScheme::md5, kPath, std::nullopt, kSecret));
  EXPECT_EQ(header(lasting, "Cache-Control"), "public, max-age=2589000");
  EXPECT_EQ(header(lasting, "Expires"), "(none)");
  // A link living longer than the entry is fresh is capped by the entry.
  const std::int64_t far = clock_.now() + 90 * 86400;
  HttpResponse far_link = get(kPath, "auth=" + make_token(SignScheme::md5, kPath, far, kSecret) +
                                         "&expires=" + std::to_string(far));
  EXPECT_EQ(header(far_link, "Cache-Control"), "public, max-age=2589000");
}

TEST_F(RouterTest, SignedUrlFromSignUriIsServed) {
  use_md5_signing();
  std::string url = sign_uri(signing_keys(config_), "/image/150x150/photos/a%2Ejpg", std::nullopt);
  auto q = url.find('?');
  // "%2E" is a '.' inside a name, not a dot segment: allowed, and signed decoded.
  EXPECT_EQ(get(url.substr(0, q), url.substr(q + 1)).status, 200);
}

TEST_F(RouterTest, SuccessfulResponseHeaders) {
  HttpResponse miss = get(kPath);
  ASSERT_EQ(miss.status, 200) << miss.error;
  EXPECT_EQ(header(miss, "Content-Type"), "image/jpeg");
  EXPECT_EQ(header(miss, "Content-Length"), std::to_string(miss.body.size()));
  std::string etag = header(miss, "ETag");
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');  // strong: quoted, no W/
  EXPECT_EQ(etag.back(), '"');
  EXPECT_EQ(header(miss, "Last-Modified"), kStartDate);
  EXPECT_EQ(header(miss, "Cache-Control"), "public, max-age=2592000");  // 30d default
  EXPECT_EQ(header(miss, "X-Cache"), "MISS");
  EXPECT_EQ(miss.cache, "MISS");
  EXPECT_EQ(header(miss, "Vary"), "(none)");
  auto d = decode(miss.body);
  EXPECT_EQ(d.width, 150u);
  EXPECT_EQ(d.height, 112u);

  clock_.advance(100);
  HttpResponse hit = get(kPath);
  EXPECT_EQ(hit.status, 200);
  EXPECT_EQ(header(hit, "X-Cache"), "HIT");
  EXPECT_TRUE(hit.body == miss.body);
  EXPECT_EQ(header(hit, "ETag"), etag);
  EXPECT_EQ(header(hit, "Last-Modified"), kStartDate);
  EXPECT_EQ(header(hit, "Cache-Control"), "public, max-age=2591900");
}

TEST_F(RouterTest, InfoIsJson) {
  HttpResponse response = get("/image/info/photos/a.jpg");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "Content-Type"), "application/json");
  EXPECT_EQ(response.body,
            "{ \"img\" : { \"width\": 400, \"height\": 300, \"type\": \"jpeg\" } }\r\n");
}

TEST_F(RouterTest, NotModified) {
  HttpResponse first = get(kPath);
  const std::string etag = header(first, "ETag");
  const std::string last_modified = header(first, "Last-Modified");
  for (const std::string& if_none_match :
       {etag, "W/" + etag, std::string("*"), "\"abc\", " + etag, etag + ", \"abc\""}) {
    HttpResponse r = handle({.method = "GET", .path = kPath, .if_none_match = if_none_match});
    EXPECT_EQ(r.status, 304) << if_none_match;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(header(r, "ETag"), etag);
    EXPECT_EQ(header(r, "X-Cache"), "HIT");
  }
  for (const std::string& since : {last_modified, std::string("Fri, 15 Jan 2027 08:00:01 GMT"),
                                   std::string("Sat, 01 Jan 2050 00:00:00 GMT")}) {
    HttpResponse r = handle({.method = "GET", .path = kPath, .if_modified_since = since});
    EXPECT_EQ(r.status, 304) << since;
    EXPECT_TRUE(r.body.empty());
  }
}

TEST_F(RouterTest, ModifiedOrDifferent) {
  HttpResponse first = get(kPath);
  const std::string etag = header(first, "ETag");
  for (const std::string& if_none_match :
       {std::string("\"0123456789abcdef0123456789abcdef\""), std::string("\"a*b\""),
        etag.substr(0, etag.size() - 2) + "\"", std::string("W/\"other\"")}) {
    HttpResponse r = handle({.method = "GET", .path = kPath, .if_none_match = if_none_match});
    EXPECT_EQ(r.status, 200) << if_none_match;
    EXPECT_TRUE(r.body == first.body) << if_none_match;
  }
  for (const char* since : {"Fri, 15 Jan 2027 07:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
                            "not a date", "15 Jan 2027 08:00:00"}) {
    HttpResponse r = handle({.method = "GET", .path = kPath, .if_modified_since = since});
    EXPECT_EQ(r.status, 200) << since;
  }
  // If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
  HttpResponse both = handle({.method = "GET",
                              .path = kPath,
                              .if_none_match = "\"other\"",
                              .if_modified_since = header(first, "Last-Modified")});
  EXPECT_EQ(both.status, 200);
}

TEST_F(RouterTest, AutoWebpVariesByAccept) {
  config_.auto_webp = true;
  HttpResponse webp =
      handle({.method = "GET", .path = kPath, .accept = "image/avif,image/webp,*/*"});
  EXPECT_EQ(webp.status, 200);
  EXPECT_EQ(header(webp, "Content-Type"), "image/webp");
  EXPECT_EQ(header(webp, "Vary"), "Accept");
  EXPECT_EQ(decode(webp.body).format, "WEBP");

  HttpResponse jpeg = handle({.method = "GET", .path = kPath, .accept = "image/*"});
  EXPECT_EQ(header(jpeg, "Content-Type"), "image/jpeg");
  EXPECT_EQ(header(jpeg, "Vary"), "Accept");
  EXPECT_NE(header(jpeg, "ETag"), header(webp, "ETag"));

  HttpResponse refused = handle({.method = "GET", .path = kPath, .accept = "image/webp;q=0"});
  EXPECT_EQ(header(refused, "Content-Type"), "image/jpeg");

  HttpResponse not_modified = handle({.method = "GET",
                                      .path = kPath,
                                      .accept = "image/webp",
                                      .if_none_match = header(webp, "ETag")});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(header(not_modified, "Vary"), "Accept");

  // An explicit format does not depend on Accept.
  HttpResponse png =
      handle({.method = "GET", .path = "/image/150x150,png/photos/a.jpg", .accept = "image/webp"});
  EXPECT_EQ(header(png, "Content-Type"), "image/png");
  EXPECT_EQ(header(png, "Vary"), "(none)");
}

TEST_F(RouterTest, XAccelRedirectOnHit) {
  config_.sendfile_header = SendfileHeader::x_accel_redirect;
  HttpResponse miss = get(kPath);
  EXPECT_EQ(miss.status, 200);
  EXPECT_FALSE(miss.body.empty());  // a miss is sent from memory
  EXPECT_EQ(header(miss, "X-Accel-Redirect"), "(none)");
  EXPECT_EQ(header(miss, "Content-Length"), std::to_string(miss.body.size()));

  HttpResponse delegated = hit(kPath);
  EXPECT_EQ(delegated.status, 200);
  EXPECT_EQ(header(delegated, "X-Cache"), "HIT");
  EXPECT_TRUE(delegated.body.empty());
  EXPECT_EQ(header(delegated, "X-Accel-Redirect"), "/_imgcache/" + relative_entry_path());
  EXPECT_EQ(header(delegated, "Content-Type"), "image/jpeg");
  EXPECT_EQ(header(delegated, "ETag"), header(miss, "ETag"));
}

TEST_F(RouterTest, TheWebServersRetryGetsTheBytes) {
  config_.sendfile_header = SendfileHeader::x_accel_redirect;
  HttpResponse miss = get(kPath);
  HttpResponse retry = handle({.method = "GET", .path = kPath, .sendfile = false});
  EXPECT_EQ(header(retry, "X-Cache"), "HIT");
  EXPECT_EQ(header(retry, "X-Accel-Redirect"), "(none)");
  EXPECT_EQ(retry.body, miss.body);
}

TEST_F(RouterTest, XAccelRedirectWithTrailingSlashInCacheDir) {
  config_.sendfile_header = SendfileHeader::x_accel_redirect;
  config_.cache_dir += "/";
  get(kPath);
  EXPECT_EQ(header(hit(kPath), "X-Accel-Redirect"), "/_imgcache/" + relative_entry_path());
}

TEST_F(RouterTest, XSendfileOnHit) {
  config_.sendfile_header = SendfileHeader::x_sendfile;
  get(kPath);
  HttpResponse delegated = hit(kPath);
  EXPECT_TRUE(delegated.body.empty());
  EXPECT_EQ(header(delegated, "X-Sendfile"), config_.cache_dir + "/" + relative_entry_path());
}

TEST_F(RouterTest, AnswersNowOnlyWhatNeedsNoFetchOrResize) {
  HttpRequest request{.method = "GET", .path = kPath};
  std::variant<HttpResponse, ImageWork> now = router().answer_now(request);
  const ImageWork* work = std::get_if<ImageWork>(&now);
  ASSERT_TRUE(work) << "a miss waits for a worker";
  EXPECT_EQ(work->image.operation.canonical(), "150x150");
  EXPECT_EQ(fetcher_.calls(), 0);
  // The worker does the routed work: no second parse, the same answer handle() gives.
  std::optional<HttpResponse> done = router().handle_unless_busy(request, *work);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200);
  EXPECT_EQ(header(*done, "X-Cache"), "MISS");
  EXPECT_EQ(fetcher_.calls(), 1);
  HttpResponse at_once = hit(kPath);
  EXPECT_EQ(header(at_once, "X-Cache"), "HIT");
  EXPECT_EQ(at_once.body, handle(request).body);
  std::variant<HttpResponse, ImageWork> bad =
      router().answer_now({.method = "GET", .path = "/image/0x0/a.jpg"});
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(bad));
  EXPECT_EQ(std::get<HttpResponse>(bad).status, 400);
  clock_.advance(config_.cache_valid.count() + 1);
  EXPECT_TRUE(std::holds_alternative<ImageWork>(router().answer_now(request)))
      << "an expired entry is revalidated by a worker";
  EXPECT_FALSE(router().answer_if_fresh(request, *work));
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(RouterTest, OriginFailuresMapToStatuses) {
  fetcher_.set("e/timeout.jpg", {"", "", Errc::origin_timeout});
  fetcher_.set("e/down.jpg", {"", "", Errc::origin_error});
  fetcher_.set("e/page.jpg", {"<html>Service Unavailable</html>", ""});
  EXPECT_EQ(get("/image/150x150/e/missing.jpg").status, 404);
  EXPECT_EQ(get("/image/150x150/e/timeout.jpg").status, 504);
  EXPECT_EQ(get("/image/150x150/e/down.jpg").status, 502);
  EXPECT_EQ(get("/image/150x150/e/page.jpg").status, 415);
}

TEST_F(RouterTest, ErrorBodiesLeakNothing) {
  use_md5_signing();
  fetcher_.set("private/dir/page.jpg", {"<html>oops</html>", ""});
  std::string token =
      make_token(SignScheme::md5, "/image/150x150/private/dir/page.jpg", std::nullopt, kSecret);
  std::vector<HttpResponse> responses = {
      get("/image/150x150/private/dir/../page.jpg"),
      get("/image/150x150/private/dir/page.jpg", "auth=" + token + "x"),
      get("/image/150x150/private/dir/page.jpg", "auth=" + token),
      get("/image/150x150/private/dir/nope.jpg",
          "auth=" + make_token(SignScheme::md5, "/image/150x150/private/dir/nope.jpg", std::nullopt,
                               kSecret)),
      handle({.method = "POST", .path = "/image/150x150/private/dir/page.jpg"}),
  };
  std::vector<int> statuses;
  for (const HttpResponse& r : responses) {
    statuses.push_back(r.status);
    EXPECT_EQ(header(r, "Content-Type").rfind("text/plain", 0), 0u) << r.status;
    EXPECT_LT(r.body.size(), 64u) << r.body;
    for (const std::string& secret :
         {std::string("private"), std::string("page.jpg"), std::string("nope"), kSecret, token}) {
      EXPECT_EQ(r.body.find(secret), std::string::npos) << r.status << ": " << r.body;
    }
    // A 400 says what the parser found wrong, in its own words; nothing else says more.
    if (r.status == 400) {
      EXPECT_EQ(r.body, "bad request: " + r.error + "\n");
    } else if (!r.error.empty()) {
      EXPECT_EQ(r.body.find(r.error), std::string::npos);
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{400, 403, 415, 404, 405}));
}

TEST_F(RouterTest, ErrorResponseTable) {
  for (Errc code : {Errc::bad_request, Errc::not_found, Errc::overloaded, Errc::internal}) {
    HttpResponse r = error_response(code);
    EXPECT_EQ(r.status, http_status(code));
    EXPECT_EQ(r.body, std::string(public_message(code)) + "\n");
    EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  }
}

TEST_F(RouterTest, MetricsEndpointReportsPrometheusText) {
  config_.metrics_path = "/imgcache/metrics";
  ASSERT_EQ(get(kPath).status, 200);
  ASSERT_EQ(header(get(kPath), "X-Cache"), "HIT");  // now kept in memory
  metrics_.record_request(200, router().route_name(kPath), "MISS", 1234, 0.2);
  metrics_.record_request(404, router().route_name("/elsewhere"), "", 10, 0.001);
  HttpResponse response = get("/imgcache/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("imgcache_requests_total{status=\"200\"} 1\n"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("imgcache_cache_results_total{result=\"MISS\"} 1\n"),
            std::string::npos);
  EXPECT_NE(response.body.find("imgcache_bytes_served_total 1244\n"), std::string::npos);
  EXPECT_NE(response.body.find("imgcache_request_duration_seconds_bucket{route=\"image\","
                               "cache=\"MISS\",le=\"0.1\"} 0\n"),
            std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("imgcache_request_duration_seconds_bucket{route=\"image\","
                               "cache=\"MISS\",le=\"0.25\"} 1\n"),
            std::string::npos);
  EXPECT_NE(response.body.find("imgcache_request_duration_seconds_count{route=\"other\","
                               "cache=\"none\"} 1\n"),
            std::string::npos);
  EXPECT_NE(response.body.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(response.body.find("process_open_fds "), std::string::npos);
  EXPECT_NE(response.body.find("process_cpu_seconds_total "), std::string::npos);
  EXPECT_NE(response.body.find("imgcache_config_reloads_total{result=\"failed\"} 0\n"),
            std::string::npos);
  // The miss above fetched and resized once.
  EXPECT_NE(response.body.find("imgcache_origin_fetch_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(response.body.find("imgcache_resize_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(response.body.find("imgcache_inflight 0\n"), std::string::npos);
  EXPECT_NE(response.body.find("imgcache_waiting 0\n"), std::string::npos);
  EXPECT_NE(response.body.find("imgcache_memory_cache_bytes "), std::string::npos);
  EXPECT_EQ(response.body.find("imgcache_memory_cache_bytes 0\n"), std::string::npos);
  EXPECT_NE(response.body.find("imgcache_build_info{version=\"1.2.3 (test)\"} 1\n"),
            std::string::npos);
}

TEST_F(RouterTest, MetricsAndHealthAreOffUnlessConfigured) {
  EXPECT_EQ(get("/imgcache/metrics").status, 404);
  EXPECT_EQ(get("/imgcache/health").status, 404);
}

TEST_F(RouterTest, HealthAnswersWhileTheCacheIsWritable) {
  config_.health_path = "/imgcache/health";
  std::filesystem::create_directories(config_.cache_dir);
  HttpResponse ok = get("/imgcache/health");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  // A cache_dir that is a regular file cannot be written, even by root.
  config_.cache_dir = dir_.write("not-a-dir", "x") + "/cache";
  router_.reset();
  EXPECT_EQ(get("/imgcache/health").status, 503);
}

// Writes zeros to path until the filesystem refuses.
void fill_filesystem(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << path;
  const std::string block(4096, '\0');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  ::close(fd);
}

TEST_F(RouterTest, HealthReportsAFullCacheDisk) {
  config_.health_path = "/imgcache/health";
  config_.cache_dir = dir_.path() + "/small";
  std::filesystem::create_directories(config_.cache_dir);
  if (::mount("tmpfs", config_.cache_dir.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a 64 KiB tmpfs as the cache disk (" << std::strerror(errno)
                 << "): this test needs root";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{config_.cache_dir};
  EXPECT_EQ(get("/imgcache/health").status, 200);
  fill_filesystem(config_.cache_dir + "/filler");
  HttpResponse full = get("/imgcache/health");
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(full.body, "cache disk full\n");
  std::filesystem::remove(config_.cache_dir + "/filler");
  EXPECT_EQ(get("/imgcache/health").status, 200);
}

}  // namespace
}  // namespace imgcache
