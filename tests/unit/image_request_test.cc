// The `/image/` URL grammar (SPEC §2): a table of request paths, valid and invalid, with
// what a user expects of each, and the cache keys of equivalent spellings (SPEC §4).
#include "core/image_request.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "core/cache_layout.h"
#include "core/error.h"

namespace imgcache {
namespace {

struct Case {
  std::string path;
  bool valid = false;
  std::string canonical;  // Operation::canonical(), or "" for info requests
  std::string source;     // decoded source_path
  std::string uri;        // decoded request path; "" means the same as `path`
  bool info = false;
};

Case ok(std::string path, std::string canonical, std::string source, std::string uri = "") {
  return {std::move(path), true, std::move(canonical), std::move(source), std::move(uri), false};
}
Case info_of(std::string path, std::string source, std::string uri = "") {
  return {std::move(path), true, "", std::move(source), std::move(uri), true};
}
Case bad(std::string path) { return {std::move(path)}; }

void PrintTo(const Case& c, std::ostream* out) { *out << "'" << c.path << "'"; }

class ImageRequestTable : public ::testing::TestWithParam<Case> {};

TEST_P(ImageRequestTable, ParsesAsExpected) {
  const Case& c = GetParam();
  Config config;
  if (!c.valid) {
    try {
      ImageRequest r = parse_image_request(c.path, config);
      ADD_FAILURE() << "accepted, source_path '" << r.source_path << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::bad_request) << e.what();
    }
    return;
  }
  ImageRequest r = parse_image_request(c.path, config);
  EXPECT_EQ(r.info, c.info);
  if (!c.info) {
    EXPECT_EQ(r.operation.canonical(), c.canonical);
  }
  EXPECT_EQ(r.source_path, c.source);
  EXPECT_EQ(r.uri, c.uri.empty() ? c.path : c.uri);
}

const std::string kTiger = "wikipedia/commons/0/01/Tiger.25.jpg";

INSTANTIATE_TEST_SUITE_P(
    Grammar, ImageRequestTable,
    ::testing::Values(
        // The seed example and plain sizes.
        ok("/image/150x150/" + kTiger, "150x150", kTiger), ok("/image/1x1/a.jpg", "1x1", "a.jpg"),
        // '-' is bounded by max_width / max_height (4096), so it shares their entry.
        ok("/image/-x100/a.jpg", "4096x100", "a.jpg"),
        ok("/image/100x-/a.jpg", "100x4096", "a.jpg"), ok("/image/-x-/a.jpg", "4096x4096", "a.jpg"),
        ok("/image/4096x4096/a.jpg", "4096x4096", "a.jpg"),  // exactly the maxima
        // Leading zeros are canonicalised; $uri keeps what the client sent.
        ok("/image/0150x007/a.jpg", "150x7", "a.jpg"),
        // Options in any order give one canonical spelling.
        ok("/image/150x150,q80,crop/a.jpg", "150x150,crop,q80", "a.jpg"),
        ok("/image/150x150,crop,q80/a.jpg", "150x150,crop,q80", "a.jpg"),
        ok("/image/150x150,webp,r270,q5,crop/a.jpg", "150x150,crop,r270,q5,webp", "a.jpg"),
        ok("/image/150x150,r90/a.jpg", "150x150,r90", "a.jpg"),
        ok("/image/150x150,r180,crop/a.jpg", "150x150,crop,r180", "a.jpg"),
        ok("/image/150x150,q1/a.jpg", "150x150,q1", "a.jpg"),
        ok("/image/150x150,q100/a.jpg", "150x150,q100", "a.jpg"),
        ok("/image/150x150,q080/a.jpg", "150x150,q80", "a.jpg"),
        ok("/image/150x150,jpeg/a.png", "150x150,jpeg", "a.png"),
        ok("/image/150x150,png/a.jpg", "150x150,png", "a.jpg"),
        ok("/image/150x150,gif/a.jpg", "150x150,gif", "a.jpg"),
        ok("/image/150x150,webp/a.jpg", "150x150,webp", "a.jpg"),
        ok("/image/150x150,avif/a.jpg", "150x150,avif", "a.jpg"),
        // A quality the named output format gets anyway (jpeg_quality 75, webp_quality 80;
        // none for PNG and GIF) is dropped. With no format named the output's format is
        // not known yet, and 75 is not WebP's default: kept.
        ok("/image/150x150,jpeg,q75/a.jpg", "150x150,jpeg", "a.jpg"),
        ok("/image/150x150,q80,webp/a.jpg", "150x150,webp", "a.jpg"),
        ok("/image/150x150,webp,q75/a.jpg", "150x150,q75,webp", "a.jpg"),
        ok("/image/150x150,jpeg,q80/a.jpg", "150x150,q80,jpeg", "a.jpg"),
        ok("/image/150x150,png,q50/a.jpg", "150x150,png", "a.jpg"),
        ok("/image/150x150,gif,q50/a.jpg", "150x150,gif", "a.jpg"),
        ok("/image/150x150,q75/a.jpg", "150x150,q75", "a.jpg"),
        // avif_quality 50: dropped when AVIF is named; AVIF is never a source's own format,
        // so it has no say over a quality without a format.
        ok("/image/150x150,avif,q50/a.jpg", "150x150,avif", "a.jpg"),
        ok("/image/150x150,q75,avif/a.jpg", "150x150,q75,avif", "a.jpg"),
        // Percent-decoding of the source path; the uri (what tokens sign) is decoded too.
        ok("/image/150x150/a%20b.jpg", "150x150", "a b.jpg", "/image/150x150/a b.jpg"),
        ok("/image/150x150/caf%C3%A9.jpg", "150x150", "caf\xC3\xA9.jpg",
           "/image/150x150/caf\xC3\xA9.jpg"),
        ok("/image/150x150/100%25.jpg", "150x150", "100%.jpg", "/image/150x150/100%.jpg"),
        ok("/image/150x150/a/..b/.c.jpg", "150x150", "a/..b/.c.jpg"),  // dots inside names
        info_of("/image/info/" + kTiger, kTiger),
        info_of("/image/info/a%20b.png", "a b.png", "/image/info/a b.png"),

        // Sizes.
        bad("/image/0x150/a.jpg"), bad("/image/150x0/a.jpg"), bad("/image/4097x100/a.jpg"),
        bad("/image/100x4097/a.jpg"), bad("/image/150/a.jpg"), bad("/image/x150/a.jpg"),
        bad("/image/150x/a.jpg"), bad("/image/abcx150/a.jpg"), bad("/image/-5x150/a.jpg"),
        bad("/image/+5x150/a.jpg"), bad("/image/150X150/a.jpg"), bad("/image/1.5x150/a.jpg"),
        bad("/image/150x150x2/a.jpg"), bad("/image/99999999999x1/a.jpg"),
        // Options.
        bad("/image/150x150,r45/a.jpg"), bad("/image/150x150,r0/a.jpg"),
        bad("/image/150x150,r360/a.jpg"), bad("/image/150x150,q0/a.jpg"),
        bad("/image/150x150,q101/a.jpg"), bad("/image/150x150,q/a.jpg"),
        bad("/image/150x150,qhigh/a.jpg"), bad("/image/150x150,q-5/a.jpg"),
        bad("/image/150x150,crop,crop/a.jpg"), bad("/image/150x150,q80,q90/a.jpg"),
        bad("/image/150x150,r90,r180/a.jpg"), bad("/image/150x150,png,webp/a.jpg"),
        bad("/image/150x150,jpeg,jpeg/a.jpg"), bad("/image/150x150,blur/a.jpg"),
        bad("/image/150x150,CROP/a.jpg"), bad("/image/150x150,jpg/a.jpg"),
        bad("/image/150x150,,crop/a.jpg"), bad("/image/150x150,/a.jpg"), bad("/image/,crop/a.jpg"),
        // Missing or malformed source path.
        bad("/image/150x150/"), bad("/image/150x150"), bad("/image/info/"), bad("/image/info"),
        bad("/image/"), bad("/image/150x150/a//b.jpg"), bad("/image/150x150//a.jpg"),
        bad("/image/150x150/a/"),
        // Escaping the origin.
        bad("/image/150x150/../etc/passwd"), bad("/image/150x150/a/../../b.jpg"),
        bad("/image/150x150/a/.."), bad("/image/150x150/./a.jpg"), bad("/image/150x150/a/./b.jpg"),
        bad("/image/150x150/%2e%2e/secret.jpg"), bad("/image/150x150/%2E%2e/secret.jpg"),
        bad("/image/150x150/a/%2e/b.jpg"), bad("/image/150x150/.%2E/secret.jpg"),
        bad("/image/150x150/a%2fb.jpg"), bad("/image/150x150/a%2Fb.jpg"),
        bad("/image/150x150/..%2fsecret.jpg"), bad("/image/150x150/a%5cb.jpg"),
        bad("/image/150x150/a%5Cb.jpg"), bad("/image/150x150/a\\b.jpg"),
        bad("/image/150x150/..\\secret.jpg"), bad("/image/150x150/a%00.jpg"),
        bad("/image/150x150/%252e%252e/secret.jpg"), bad("/image/150x150/a%252fb.jpg"),
        bad("/image/150x150/a%01b.jpg"), bad("/image/150x150/a%7fb.jpg"),
        bad("/image/150x150/a%0ab.jpg"), bad(std::string("/image/150x150/a\x01.jpg")),
        bad(std::string("/image/150x150/a\nb.jpg")),
        // Malformed escapes.
        bad("/image/150x150/a%zz.jpg"), bad("/image/150x150/a%2"), bad("/image/150x150/a%"),
        bad("/image/150x150/a%g0.jpg"),
        // Outside the prefix, or a query left in the path.
        bad("/img/150x150/a.jpg"), bad("/imagex/150x150/a.jpg"), bad("image/150x150/a.jpg"),
        bad(""), bad("/image/150x150/a.jpg?auth=x")));

TEST(ImageRequest, OriginPathReEncodes) {
  Config config;
  ImageRequest r = parse_image_request("/image/150x150/dir%20one/a%20b.jpg", config);
  EXPECT_EQ(r.source_path, "dir one/a b.jpg");
  EXPECT_EQ(r.origin_path(), "dir%20one/a%20b.jpg");
  r = parse_image_request("/image/150x150/100%25%3F%23.jpg", config);
  EXPECT_EQ(r.source_path, "100%?#.jpg");
  EXPECT_EQ(r.origin_path(), "100%25%3F%23.jpg");  // '?' and '#' must not end the URL path
  r = parse_image_request("/image/150x150/" + kTiger, config);
  EXPECT_EQ(r.origin_path(), kTiger);
}

TEST(ImageRequest, CustomPrefix) {
  Config config;
  config.prefix = "/thumbs/";
  ImageRequest r = parse_image_request("/thumbs/100x100/a.jpg", config);
  EXPECT_EQ(r.source_path, "a.jpg");
  EXPECT_EQ(r.uri, "/thumbs/100x100/a.jpg");
  EXPECT_THROW(parse_image_request("/image/100x100/a.jpg", config), Error);
}

TEST(ImageRequest, MaxDimensionsFromConfig) {
  Config config;
  config.max_width = 200;
  config.max_height = 100;
  EXPECT_NO_THROW(parse_image_request("/image/200x100/a.jpg", config));
  EXPECT_THROW(parse_image_request("/image/201x100/a.jpg", config), Error);
  EXPECT_THROW(parse_image_request("/image/200x101/a.jpg", config), Error);
  EXPECT_EQ(parse_image_request("/image/-x-/a.jpg", config).operation.canonical(), "200x100");
}

TEST(ImageRequest, DefaultQualityFollowsTheConfig) {
  Config config;
  config.jpeg_quality = 90;
  EXPECT_EQ(parse_operation("150x150,jpeg,q90", config).canonical(), "150x150,jpeg");
  EXPECT_EQ(parse_operation("150x150,jpeg,q75", config).canonical(), "150x150,q75,jpeg");
  EXPECT_EQ(parse_operation("150x150,q90", config).canonical(), "150x150,q90");
  // Whatever the output's format, it gets 90: the same as no option.
  config.webp_quality = config.avif_quality = config.jxl_quality = 90;
  EXPECT_EQ(parse_operation("150x150,q90", config).canonical(), "150x150");
  EXPECT_EQ(
      parse_operation_as_written("150x150,q90", {config.max_width, config.max_height}).canonical(),
      "150x150,q90");
}

TEST(ImageRequest, AQualityIsDroppedOnlyWhenEveryOutputFormatGetsIt) {
  Config config;
  config.jpeg_quality = config.webp_quality = config.jxl_quality = 90;
  // A negotiated or source AVIF would get avif_quality 50 without the option.
  config.auto_avif = true;
  EXPECT_EQ(parse_operation("150x150,q90", config).canonical(), "150x150,q90");
  config.avif_quality = 90;
  EXPECT_EQ(parse_operation("150x150,q90", config).canonical(), "150x150");
  // HEIC is read, never written: no output format.
  EXPECT_THROW(parse_operation("150x150,heic", config), Error);
}

TEST(ImageRequest, SizesRestrictTheAllowedBoxes) {
  Config config;
  config.sizes = {"150x150", "300x-"};
  for (const char* path : {"/image/150x150/a.jpg", "/image/150x150,crop,q80/a.jpg",
                           "/image/0150x150/a.jpg", "/image/300x-/a.jpg", "/image/info/a.jpg"}) {
    EXPECT_NO_THROW(parse_image_request(path, config)) << path;
  }
  for (const char* path : {"/image/300x300/a.jpg", "/image/150x151/a.jpg", "/image/-x150/a.jpg",
                           "/image/-x-/a.jpg", "/image/100x100,crop/a.jpg"}) {
    try {
      parse_image_request(path, config);
      ADD_FAILURE() << path << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::bad_request) << path;
    }
  }
}

TEST(ImageRequest, Formats) {
  for (ImageFormat f : kImageFormats) {
    EXPECT_EQ(format_from_name(format_name(f)), f);
    EXPECT_EQ("image/" + std::string(format_name(f)), format_mime_type(f));
  }
  EXPECT_EQ(format_from_name("jpg"), std::nullopt);
  EXPECT_EQ(format_from_name("JPEG"), std::nullopt);
  EXPECT_EQ(format_from_name(""), std::nullopt);
}

TEST(PercentDecode, OnceOnly) {
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("%41%7a"), "Az");
  EXPECT_EQ(percent_decode("%2541"), "%41");  // one level only
  EXPECT_EQ(percent_decode("a+b"), "a+b");    // '+' is not a space in a path
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_THROW(percent_decode("%"), Error);
  EXPECT_THROW(percent_decode("%4"), Error);
  EXPECT_THROW(percent_decode("%4g"), Error);
}

// Cache keys (core/cache_layout.h): equivalent spellings share one entry.
std::string key(const std::string& path, std::vector<ImageFormat> negotiated = {},
                const std::string& origin = "https://upload.wikimedia.org") {
  Config config;
  return cache_key(origin, parse_image_request(path, config), negotiated);
}

TEST(CacheKey, DocumentedShape) {
  EXPECT_EQ(key("/image/150x150/" + kTiger), "https://upload.wikimedia.org 150x150 /" + kTiger);
  EXPECT_EQ(key("/image/150x150,q80,crop/a.jpg", {ImageFormat::webp}),
            "https://upload.wikimedia.org 150x150,crop,q80 auto-webp /a.jpg");
  EXPECT_EQ(key("/image/150x150/a.jpg", {ImageFormat::avif, ImageFormat::webp}),
            "https://upload.wikimedia.org 150x150 auto-avif-webp /a.jpg");
}

TEST(CacheKey, EquivalentSpellingsShareOneKey) {
  const std::string base = key("/image/150x150,crop,q80/a b.jpg");
  EXPECT_EQ(key("/image/150x150,q80,crop/a b.jpg"), base);
  EXPECT_EQ(key("/image/0150x150,q080,crop/a%20b.jpg"), base);
  EXPECT_EQ(key("/image/150x00150,crop,q80/%61%20b.jpg"), base);
  EXPECT_EQ(key("/image/150x150,crop,q80/a%20b.jpg"), base);
}

TEST(CacheKey, DifferentRequestsGetDifferentKeys) {
  const std::string base = key("/image/150x150/a.jpg");
  EXPECT_NE(key("/image/150x150,crop/a.jpg"), base);
  EXPECT_NE(key("/image/150x151/a.jpg"), base);
  EXPECT_NE(key("/image/150x150,r90/a.jpg"), base);
  EXPECT_NE(key("/image/150x150,q80/a.jpg"), base);
  EXPECT_NE(key("/image/150x150,webp/a.jpg"), base);
  EXPECT_NE(key("/image/150x150/a.jpg", {ImageFormat::webp}), base);  // negotiated WebP variant
  EXPECT_NE(key("/image/150x150,webp/a.jpg"), key("/image/150x150/a.jpg", {ImageFormat::webp}));
  EXPECT_NE(key("/image/150x150/b.jpg"), base);
  EXPECT_NE(key("/image/150x150/A.jpg"), base);
  EXPECT_NE(key("/image/info/a.jpg"), base);
  EXPECT_NE(key("/image/150x150/a.jpg", {}, "http://other.example"), base);
  // A key digest is what names the file: different keys, different files.
  EXPECT_NE(key_digest(key("/image/150x150,crop/a.jpg")), key_digest(base));
}

}  // namespace
}  // namespace imgcache
