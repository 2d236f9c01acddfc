// The config file, IMGCACHE_<KEY> variables and flag overrides (SPEC §7).
#include "core/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "tests/support/temp_dir.h"

namespace imgcache {
namespace {

using testing::TempDir;

const std::map<std::string, std::string> kNoFlags;

// The Error load_config throws, or a failure if it succeeds.
Error load_error(const std::string& path, const std::vector<std::string>& env = {},
                 const std::map<std::string, std::string>& flags = {}) {
  try {
    load_config(path, env, flags);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "load_config accepted the input";
  return Error(Errc::internal, "");
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Config, DefaultsMatchSpec) {
  Config c = load_config("", {}, kNoFlags);
  EXPECT_EQ(c.prefix, "/image/");
  EXPECT_EQ(c.cache_levels, "1:2");
  EXPECT_EQ(c.cache_max_size, 100u << 20);
  EXPECT_EQ(c.cache_inactive, Seconds(40 * 86400));
  EXPECT_EQ(c.cache_valid, Seconds(30 * 86400));
  EXPECT_EQ(c.max_source_size, 20u << 20);
  EXPECT_EQ(c.jpeg_quality, 75u);
  EXPECT_EQ(c.webp_quality, 80u);
  EXPECT_EQ(c.png_compression, 4u);
  EXPECT_TRUE(c.interlace);
  EXPECT_EQ(c.sharpen, 0u);
  EXPECT_EQ(c.resize_filter, ResizeFilter::mitchell);
  EXPECT_TRUE(c.transparency);
  EXPECT_TRUE(c.auto_orient);
  EXPECT_FALSE(c.keep_icc);
  EXPECT_FALSE(c.auto_webp);
  EXPECT_EQ(c.sign, SignScheme::none);
}

TEST(Config, ReadsEveryKindOfValue) {
  TempDir dir;
  std::string path = dir.write("imgcache.conf",
                               "# imgcache test config\n"
                               "\n"
                               "origin = https://upload.wikimedia.org\n"
                               "   prefix=/img/   \n"
                               "\tcache_dir\t=\t/srv/cache\t\n"
                               "cache_levels = 1:1:2\n"
                               "cache_max_size = 2G   # trailing comment\n"
                               "cache_inactive = 12h\n"
                               "cache_valid = 15m\n"
                               "max_source_size = 64k\n"
                               "max_source_pixels = 5000000\n"
                               "max_frames = 7\n"
                               "max_width = 2000\n"
                               "max_height = 1000\n"
                               "sizes = 150x150, 300x-\n"
                               "jpeg_quality = 60\n"
                               "webp_quality = 55\n"
                               "png_compression = 9\n"
                               "interlace = off\n"
                               "sharpen = 50\n"
                               "resize_filter = lanczos\n"
                               "transparency = no\n"
                               "auto_orient = false\n"
                               "keep_icc = on\n"
                               "auto_webp = on\n"
                               "    # an indented comment\n"
                               "sign = hmac-sha256\n"
                               "secret = s3cret\n"
                               "secret_previous = old\n"
                               "fetch_timeout = 90s\n"
                               "origin_ca_file = /etc/ssl/ca.pem\n"
                               "sendfile_header = x-accel-redirect\n"
                               "threads = 4\n"
                               "listen = 127.0.0.1:9000\n");
  Config c = load_config(path, {}, kNoFlags);
  EXPECT_EQ(c.origin, "https://upload.wikimedia.org");
  EXPECT_EQ(c.prefix, "/img/");
  EXPECT_EQ(c.cache_dir, "/srv/cache");
  EXPECT_EQ(c.cache_levels, "1:1:2");
  EXPECT_EQ(c.cache_max_size, 2ull << 30);
  EXPECT_EQ(c.cache_inactive, Seconds(12 * 3600));
  EXPECT_EQ(c.cache_valid, Seconds(15 * 60));
  EXPECT_EQ(c.max_source_size, 64u << 10);
  EXPECT_EQ(c.max_source_pixels, 5000000u);
  EXPECT_EQ(c.max_frames, 7u);
  EXPECT_EQ(c.max_width, 2000u);
  EXPECT_EQ(c.max_height, 1000u);
  EXPECT_EQ(c.sizes, (std::vector<std::string>{"150x150", "300x-"}));
  EXPECT_EQ(c.jpeg_quality, 60u);
  EXPECT_EQ(c.webp_quality, 55u);
  EXPECT_EQ(c.png_compression, 9u);
  EXPECT_FALSE(c.interlace);
  EXPECT_EQ(c.sharpen, 50u);
  EXPECT_EQ(c.resize_filter, ResizeFilter::lanczos);
  EXPECT_FALSE(c.transparency);
  EXPECT_FALSE(c.auto_orient);
  EXPECT_TRUE(c.keep_icc);
  EXPECT_TRUE(c.auto_webp);
  EXPECT_EQ(c.sign, SignScheme::hmac_sha256);
  EXPECT_EQ(c.secret, "s3cret");
  EXPECT_EQ(c.secret_previous, "old");
  EXPECT_EQ(c.fetch_timeout, Seconds(90));
  EXPECT_EQ(c.origin_ca_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(c.sendfile_header, SendfileHeader::x_accel_redirect);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.listen, "127.0.0.1:9000");
}

TEST(Config, UnknownKeyNamesFileAndLine) {
  TempDir dir;
  std::string path = dir.write("a.conf", "# comment\n\njpeg_quality = 70\ncolour = blue\n");
  Error e = load_error(path);
  EXPECT_EQ(e.code(), Errc::bad_config);
  EXPECT_TRUE(contains(e.what(), path + ":4")) << e.what();
  EXPECT_TRUE(contains(e.what(), "colour")) << e.what();
}

TEST(Config, BadValueNamesFileLineAndKey) {
  struct Case {
    const char* line;
    const char* key;
  };
  for (const Case& c :
       {Case{"jpeg_quality = 101", "jpeg_quality"}, Case{"jpeg_quality = 0", "jpeg_quality"},
        Case{"cache_max_size = 1T", "cache_max_size"}, Case{"cache_valid = 3w", "cache_valid"},
        Case{"interlace = maybe", "interlace"}, Case{"sign = sha1", "sign"},
        Case{"sendfile_header = x-lighttpd", "sendfile_header"},
        Case{"max_width = 70000", "max_width"}, Case{"png_compression = 0", "png_compression"},
        Case{"prefix = image", "prefix"}, Case{"sizes = 150", "sizes"},
        Case{"threads = -1", "threads"}}) {
    TempDir dir;
    std::string path =
        dir.write("b.conf", "origin = http://localhost\n\n" + std::string(c.line) + "\n");
    Error e = load_error(path);
    EXPECT_EQ(e.code(), Errc::bad_config) << c.line;
    EXPECT_TRUE(contains(e.what(), path + ":3")) << c.line << " → " << e.what();
    EXPECT_TRUE(contains(e.what(), c.key)) << c.line << " → " << e.what();
  }
}

TEST(Config, LineWithoutEqualsIsAnError) {
  TempDir dir;
  std::string path = dir.write("c.conf", "jpeg_quality 70\n");
  Error e = load_error(path);
  EXPECT_EQ(e.code(), Errc::bad_config);
  EXPECT_TRUE(contains(e.what(), path + ":1")) << e.what();
}

TEST(Config, MissingFileIsBadConfig) {
  TempDir dir;
  EXPECT_EQ(load_error(dir.file("nope.conf")).code(), Errc::bad_config);
}

TEST(Config, EnvironmentOverridesFileAndFlagOverridesEnvironment) {
  TempDir dir;
  std::string path = dir.write("d.conf", "jpeg_quality = 60\nwebp_quality = 61\n");
  std::vector<std::string> env = {"PATH=/usr/bin", "IMGCACHE_JPEG_QUALITY=70",
                                  "IMGCACHE_WEBP_QUALITY=71", "IMGCACHE_AUTO_WEBP=on"};
  Config from_env = load_config(path, env, kNoFlags);
  EXPECT_EQ(from_env.jpeg_quality, 70u);
  EXPECT_EQ(from_env.webp_quality, 71u);
  EXPECT_TRUE(from_env.auto_webp);

  Config from_flag = load_config(path, env, {{"jpeg_quality", "80"}});
  EXPECT_EQ(from_flag.jpeg_quality, 80u);
  EXPECT_EQ(from_flag.webp_quality, 71u);  // untouched by the flags

  Config file_only = load_config(path, {"PATH=/usr/bin"}, kNoFlags);
  EXPECT_EQ(file_only.jpeg_quality, 60u);
}

TEST(Config, BadEnvironmentOrFlagValueNamesItsSource) {
  Error env_error = load_error("", {"IMGCACHE_JPEG_QUALITY=high"});
  EXPECT_EQ(env_error.code(), Errc::bad_config);
  EXPECT_TRUE(contains(env_error.what(), "IMGCACHE_JPEG_QUALITY")) << env_error.what();

  Error flag_error = load_error("", {}, {{"max_frames", "0"}});
  EXPECT_EQ(flag_error.code(), Errc::bad_config);
  EXPECT_TRUE(contains(flag_error.what(), "--max_frames")) << flag_error.what();

  Error unknown_flag = load_error("", {}, {{"colour", "blue"}});
  EXPECT_EQ(unknown_flag.code(), Errc::bad_config);
}

TEST(Config, SigningWithoutSecretIsBadConfig) {
  EXPECT_EQ(load_error("", {}, {{"sign", "md5"}}).code(), Errc::bad_config);
  EXPECT_EQ(load_error("", {}, {{"sign", "hmac-sha256"}}).code(), Errc::bad_config);
  Config c = load_config("", {}, {{"sign", "md5"}, {"secret", "your_secret"}});
  EXPECT_EQ(c.sign, SignScheme::md5);
}

TEST(Config, OriginScheme) {
  for (const char* origin :
       {"ftp://example.com", "example.com", "file://relative/dir", "/srv/images", "HTTP//x"}) {
    EXPECT_EQ(load_error("", {}, {{"origin", origin}}).code(), Errc::bad_config) << origin;
  }
  for (const char* origin :
       {"http://127.0.0.1:20000", "https://upload.wikimedia.org", "file:///srv/images"}) {
    EXPECT_EQ(load_config("", {}, {{"origin", origin}}).origin, origin);
  }
}

TEST(Config, CacheLevelsAreChecked) {
  for (const char* levels : {"3", "1:2:2:1", "", "1:", "0", "a"}) {
    EXPECT_EQ(load_error("", {}, {{"cache_levels", levels}}).code(), Errc::bad_config)
        << "'" << levels << "'";
  }
  EXPECT_EQ(load_config("", {}, {{"cache_levels", "2:2"}}).cache_levels, "2:2");
}

TEST(Config, SizesMustBeValidOperations) {
  EXPECT_EQ(load_error("", {}, {{"sizes", "0x150"}}).code(), Errc::bad_config);
  EXPECT_EQ(load_error("", {}, {{"sizes", "150xabc"}}).code(), Errc::bad_config);
  EXPECT_EQ(load_config("", {}, {{"sizes", "150x150,-x300"}}).sizes.size(), 2u);
}

TEST(Config, FormatHidesSecrets) {
  Config c;
  c.sign = SignScheme::md5;
  c.secret = "topsecret-one";
  c.secret_previous = "topsecret-two";
  c.origin = "https://reader:topsecret-three@img.example/base";
  std::string text = format_config(c);
  EXPECT_FALSE(contains(text, "topsecret")) << text;
  EXPECT_TRUE(contains(text, "origin = https://reader:(set)@img.example/base\n")) << text;
  EXPECT_TRUE(contains(text, "secret = ")) << text;
  EXPECT_TRUE(contains(text, "sign = md5\n")) << text;
}

TEST(Config, FormattedConfigReadsBackTheSame) {
  Config c;
  c.origin = "file:///srv/images";
  c.cache_levels = "2";
  c.cache_max_size = 3ull << 30;
  c.cache_valid = Seconds(7200);
  c.max_frames = 12;
  c.sizes = {"150x150", "-x300"};
  c.interlace = false;
  c.sendfile_header = SendfileHeader::x_sendfile;
  c.listen = "unix:/run/imgcache.sock";
  TempDir dir;
  std::string path = dir.write("e.conf", format_config(c));
  Config back = load_config(path, {}, kNoFlags);
  EXPECT_EQ(format_config(back), format_config(c));
  for (const std::string& key : config_keys()) {
    EXPECT_EQ(config_value(back, key), config_value(c, key)) << key;
  }
}

TEST(Config, HashStartsACommentAfterWhitespaceOrTheEqualsSign) {
  TempDir dir;
  std::string path = dir.write("c.conf",
                               "sign = md5\n"
                               "secret = ab#cd  # a comment\n"
                               "listen =# a comment too: written back it would read so\n"
                               "origin = file:///srv/images#1\n");
  Config c = load_config(path, {}, kNoFlags);
  EXPECT_EQ(c.secret, "ab#cd");
  EXPECT_EQ(c.listen, "");
  EXPECT_EQ(c.origin, "file:///srv/images#1");
  // What the fuzzer found: " listen =# / hv= httpt" read as listen "# / hv= httpt", which
  // printed as "listen = # / hv= httpt" read back empty.
  std::string printed = dir.write(
      "p.conf",
      format_config(load_config(dir.write("f.conf", " listen =# / hv= httpt"), {}, kNoFlags)));
  EXPECT_EQ(load_config(printed, {}, kNoFlags).listen, "");
}

TEST(Config, KeysIncludeEverySpecKey) {
  const std::vector<std::string> spec_keys = {
      "origin",         "prefix",          "cache_dir",
      "cache_levels",   "cache_max_size",  "cache_inactive",
      "cache_valid",    "max_source_size", "max_source_pixels",
      "max_frames",     "max_width",       "max_height",
      "sizes",          "jpeg_quality",    "webp_quality",
      "interlace",      "sharpen",         "transparency",
      "auto_orient",    "auto_webp",       "sign",
      "secret",         "secret_previous", "fetch_timeout",
      "origin_ca_file", "sendfile_header", "threads",
      "listen"};
  const std::vector<std::string>& keys = config_keys();
  for (const std::string& key : spec_keys) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
}

// A value the key accepts that is not its default.
std::optional<std::string> other_value(const std::string& key) {
  static const std::vector<std::string> candidates = {"on",
                                                      "off",
                                                      "7",
                                                      "3",
                                                      "90s",
                                                      "3M",
                                                      "md5",
                                                      "x-accel-redirect",
                                                      "/other/",
                                                      "1:2:2",
                                                      "120x80",
                                                      "127.0.0.1:9123",
                                                      "http://127.0.0.1:9",
                                                      "a.example",
                                                      "mitchell",
                                                      "catrom",
                                                      "json",
                                                      "webp"};
  const Config defaults;
  for (const std::string& candidate : candidates) {
    Config config;
    config.secret = "s3cret";  // lets signing keys pass the cross-key checks
    try {
      set_config_value(config, key, candidate, "test");
      validate_config(config);
    } catch (const Error&) {
      continue;
    }
    if (config_value(config, key) != config_value(defaults, key)) return candidate;
  }
  return std::nullopt;
}

TEST(Config, EveryKeyIsAnEnvironmentVariable) {
  // Each key set through IMGCACHE_<KEY> to a value other than its default takes that value.
  for (const std::string& key : config_keys()) {
    std::optional<std::string> value = other_value(key);
    ASSERT_TRUE(value) << key << ": no sample value differs from the default";
    std::string name = "IMGCACHE_" + key;
    std::transform(name.begin(), name.end(), name.begin(), ::toupper);
    Config expected;
    set_config_value(expected, key, *value, "test");
    try {
      // The secret lets signing keys pass the cross-key checks.
      Config loaded = load_config("", {"IMGCACHE_SECRET=s3cret", name + "=" + *value}, kNoFlags);
      EXPECT_EQ(config_value(loaded, key), config_value(expected, key)) << key;
    } catch (const Error& e) {
      ADD_FAILURE() << key << "=" << *value << ": " << e.what();
    }
  }
}

TEST(Config, DefaultConfigPath) {
  EXPECT_EQ(default_config_path({}), "/etc/imgcache/imgcache.conf");
  EXPECT_EQ(default_config_path({"HOME=/root", "IMGCACHE_CONFIG=/tmp/x.conf"}), "/tmp/x.conf");
}

}  // namespace
}  // namespace imgcache
