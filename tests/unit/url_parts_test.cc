#include "core/url_parts.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace imgcache {
namespace {

TEST(UrlCredentials, TakenOutOfTheUrl) {
  EXPECT_EQ(without_credentials("https://user:pw@img.example:8443/base"),
            "https://img.example:8443/base");
  EXPECT_EQ(without_credentials("http://user@[::1]:8080"), "http://[::1]:8080");
  EXPECT_EQ(without_credentials("https://img.example/a@b.jpg"), "https://img.example/a@b.jpg");
  EXPECT_EQ(without_credentials("https://img.example"), "https://img.example");
  EXPECT_EQ(without_credentials("file:///srv/images"), "file:///srv/images");
}

TEST(UrlCredentials, DecodedUserAndPassword) {
  auto both = credentials_of("https://img%40user:s3cr%3At@img.example/base");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->user, "img@user");
  EXPECT_EQ(both->password, "s3cr:t");
  auto user_only = credentials_of("https://reader@img.example");
  ASSERT_TRUE(user_only);
  EXPECT_EQ(user_only->user, "reader");
  EXPECT_EQ(user_only->password, "");
  EXPECT_FALSE(credentials_of("https://img.example/a@b.jpg"));
  EXPECT_FALSE(credentials_of("https://img.example"));
}

TEST(UrlCredentials, PasswordHiddenForPrinting) {
  EXPECT_EQ(with_password_hidden("https://user:pw@img.example/a"),
            "https://user:(set)@img.example/a");
  EXPECT_EQ(with_password_hidden("https://user@img.example"), "https://user@img.example");
  EXPECT_EQ(with_password_hidden("https://img.example/a@b"), "https://img.example/a@b");
}

TEST(UrlCredentials, AMalformedEscapeIsAConfigError) {
  try {
    credentials_of("https://us%zzer:pw@img.example");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::bad_config);
  }
}

TEST(UrlParts, SchemeHostAndPortWithoutUserInformation) {
  UrlParts plain = url_parts("HTTPS://Images.Example.COM:8443/base?x#y");
  EXPECT_EQ(plain.scheme, "https");
  EXPECT_EQ(plain.host_port, "images.example.com:8443");
  EXPECT_EQ(plain.host, "images.example.com");
  UrlParts with_user = url_parts("http://user:p%40ss@origin.example/a@b.jpg");
  EXPECT_EQ(with_user.host_port, "origin.example");
  EXPECT_TRUE(with_user.has_userinfo);
  EXPECT_FALSE(plain.has_userinfo);
  EXPECT_FALSE(url_parts("http://origin.example/a@b.jpg").has_userinfo);
  EXPECT_EQ(url_parts("http://a@b@origin.example:81").host_port, "origin.example:81");
  UrlParts ipv6 = url_parts("http://[::1]:8080/x");
  EXPECT_EQ(ipv6.host_port, "[::1]:8080");
  EXPECT_EQ(ipv6.host, "[::1]");
  EXPECT_EQ(url_parts("http://[::1]/x").host, "[::1]");
  EXPECT_EQ(url_parts("no-scheme/path").host_port, "");
}

}  // namespace
}  // namespace imgcache
