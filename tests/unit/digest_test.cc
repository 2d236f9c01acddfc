// core/digest.h: MD5, HMAC-SHA256, hex, base64url and the constant-time comparison against
// published vectors.
#include "core/digest.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace imgcache {
namespace {

TEST(Digest, KnownVectors) {
  EXPECT_EQ(to_hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");  // RFC 1321
  EXPECT_EQ(to_hex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  // RFC 4231 test case 2.
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(to_hex(std::string("\x00\x0f\xf0\xff", 4)), "000ff0ff");
}

TEST(Digest, Base64UrlVectors) {
  // RFC 4648 §10, then the url alphabet and no padding.
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");  // standard base64: "+/8="
}

TEST(Digest, Base64UrlRoundTrip) {
  std::string bytes;
  for (int length = 0; length <= 40; ++length) {
    EXPECT_EQ(decode_base64url(base64url(bytes)), bytes) << length;
    EXPECT_EQ(decode_base64url(base64url(bytes) + "=="), bytes) << length;
    bytes += static_cast<char>((length * 97 + 13) & 0xff);
  }
}

TEST(Digest, DecodeBase64UrlRejects) {
  EXPECT_EQ(decode_base64url("Z"), std::nullopt);      // 1 mod 4
  EXPECT_EQ(decode_base64url("Zm9vZ"), std::nullopt);  // 1 mod 4
  EXPECT_EQ(decode_base64url("Zm+v"), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm/v"), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm9v!"), std::nullopt);
  EXPECT_EQ(decode_base64url("Zm 9v"), std::nullopt);
  EXPECT_EQ(decode_base64url("Zg=="), std::optional<std::string>("f"));
  EXPECT_EQ(decode_base64url("Zg=garbage"), std::optional<std::string>("f"));  // stops at '='
}

TEST(Digest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abcdef", "abcdef"));
  EXPECT_FALSE(constant_time_equal("abcdef", "abcdeg"));
  EXPECT_FALSE(constant_time_equal("abcdef", "bbcdef"));
  EXPECT_FALSE(constant_time_equal("abc", "abcdef"));
  EXPECT_FALSE(constant_time_equal("abcdef", ""));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace imgcache
