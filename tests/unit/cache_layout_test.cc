// Cache entry names and paths (SPEC §4), checked against nginx's proxy_cache_path levels=
// layout (reference nginx-semantics §3.2) and against md5sum run at test time.
#include "core/cache_layout.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace imgcache {
namespace {

// The MD5 of text as md5sum prints it (first field); text must not contain a single quote.
std::string md5sum(const std::string& text) {
  std::string command = "printf '%s' '" + text + "' | md5sum";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return "";
  char buffer[128] = {};
  std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe.get());
  std::string out(buffer, n);
  return out.substr(0, out.find(' '));
}

TEST(ParseLevels, Valid) {
  EXPECT_EQ(parse_levels("1:2"), (std::vector<int>{1, 2}));
  EXPECT_EQ(parse_levels("2"), (std::vector<int>{2}));
  EXPECT_EQ(parse_levels("1"), (std::vector<int>{1}));
  EXPECT_EQ(parse_levels("1:1:2"), (std::vector<int>{1, 1, 2}));
  EXPECT_EQ(parse_levels("2:2:2"), (std::vector<int>{2, 2, 2}));
}

TEST(ParseLevels, Invalid) {
  for (const char* text :
       {"3", "1:2:2:1", "", "1:", ":1", "0", "1::2", "12", "1:3", "a", " 1", "1:2 ", "-1", "1,2"}) {
    try {
      parse_levels(text);
      ADD_FAILURE() << "'" << text << "' accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::bad_request) << text;
    }
  }
}

const std::string kDocsHex = "b7f54b2df7773722d382f4809d65029c";  // nginx.org's illustration

TEST(EntryPath, NginxLayout) {
  EXPECT_EQ(entry_path("/data/nginx/cache", {1, 2}, kDocsHex),
            "/data/nginx/cache/c/29/b7f54b2df7773722d382f4809d65029c");
  EXPECT_EQ(entry_path("/data/nginx/cache", {2}, kDocsHex),
            "/data/nginx/cache/9c/b7f54b2df7773722d382f4809d65029c");
  EXPECT_EQ(entry_path("/data/nginx/cache", {1, 1, 2}, kDocsHex),
            "/data/nginx/cache/c/9/02/b7f54b2df7773722d382f4809d65029c");
  EXPECT_EQ(entry_path("/data/nginx/cache", {2, 2, 2}, kDocsHex),
            "/data/nginx/cache/9c/02/65/b7f54b2df7773722d382f4809d65029c");
  EXPECT_EQ(entry_path("/data/nginx/cache", {}, kDocsHex),
            "/data/nginx/cache/b7f54b2df7773722d382f4809d65029c");
}

TEST(EntryPath, RootWithTrailingSlash) {
  EXPECT_EQ(entry_path("/data/nginx/cache/", {1, 2}, kDocsHex),
            "/data/nginx/cache/c/29/b7f54b2df7773722d382f4809d65029c");
  EXPECT_EQ(entry_path("/", {1, 2}, kDocsHex), "/c/29/b7f54b2df7773722d382f4809d65029c");
}

TEST(KeyDigest, MatchesNginxCacheFileNames) {
  // The blog's request without the query (reference §3.2): /tmp/nginx_cache/9/d0/a4035f28…3d09.
  const std::string key = "127.0.0.1:20000/image/150x150/wikipedia/commons/0/01/Tiger.25.jpg";
  EXPECT_EQ(key_digest(key), "a4035f28d7673e7c01d220b2f7653d09");
  EXPECT_EQ(entry_path("/tmp/nginx_cache", parse_levels("1:2"), key_digest(key)),
            "/tmp/nginx_cache/9/d0/a4035f28d7673e7c01d220b2f7653d09");
  // And with the query: /tmp/nginx_cache/0/60/2e7de820…e600.
  const std::string with_query = key + "?auth=TwcXg954Rhkjt1RK8IO4jA";
  EXPECT_EQ(entry_path("/tmp/nginx_cache", parse_levels("1:2"), key_digest(with_query)),
            "/tmp/nginx_cache/0/60/2e7de8201cb7907a26d70c92e3dce600");
}

TEST(KeyDigest, EqualsMd5sum) {
  for (const std::string key :
       {"https://upload.wikimedia.org 150x150 /wikipedia/commons/0/01/Tiger.25.jpg",
        "file:///srv/images 150x150,crop,r90,q80,webp auto-webp /a b/c.jpg", "", "x"}) {
    std::string expected = md5sum(key);
    ASSERT_EQ(expected.size(), 32u) << "md5sum failed for '" << key << "'";
    EXPECT_EQ(key_digest(key), expected) << key;
  }
}

TEST(CacheKey, PathOfARequest) {
  Config config;
  ImageRequest request =
      parse_image_request("/image/150x150/wikipedia/commons/0/01/Tiger.25.jpg", config);
  std::string key = cache_key("https://upload.wikimedia.org", request, {});
  std::string hex = md5sum(key);
  ASSERT_EQ(hex.size(), 32u);
  EXPECT_EQ(entry_path("/var/cache/imgcache", {1, 2}, key_digest(key)),
            "/var/cache/imgcache/" + hex.substr(31, 1) + "/" + hex.substr(29, 2) + "/" + hex);
}

}  // namespace
}  // namespace imgcache
