// Signed URLs (SPEC §3), checked against the openssl pipelines the SPEC quotes, run at test
// time, and against nginx secure_link's verdicts (reference nginx-semantics §2).
#include "core/sign.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/image_request.h"

namespace imgcache {
namespace {

const std::string kUri = "/image/150x150/wikipedia/commons/0/01/Tiger.25.jpg";
const std::string kSecret = "your_secret";
constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kFuture = 2147483647;
constexpr std::int64_t kPast = 1700000000;

// Standard output of a shell command, without the trailing newline.
std::string shell(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return "";
  std::string out;
  char buffer[256];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// The SPEC §3 pipeline for md5 tokens; `text` must not contain a single quote.
std::string openssl_md5_token(const std::string& text) {
  return shell("echo -n '" + text +
               "' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =");
}

std::string openssl_hmac_token(const std::string& secret, const std::string& text) {
  return shell("printf '%s' '" + text + "' | openssl dgst -sha256 -hmac '" + secret +
               "' -binary | openssl base64 | tr +/ -_ | tr -d =");
}

Config md5_config(const std::string& secret = kSecret) {
  Config config;
  config.sign = SignScheme::md5;
  config.secret = secret;
  return config;
}

Config hmac_config(const std::string& secret = kSecret) {
  Config config;
  config.sign = SignScheme::hmac_sha256;
  config.secret = secret;
  return config;
}

std::string auth(const std::string& token) { return "auth=" + token; }
std::string auth(const std::string& token, std::int64_t expires) {
  return "auth=" + token + "&expires=" + std::to_string(expires);
}

TEST(Md5Token, EqualsTheSpecPipeline) {
  std::string expected = openssl_md5_token(kUri + " " + kSecret);
  ASSERT_EQ(expected.size(), 22u) << "openssl pipeline failed: '" << expected << "'";
  EXPECT_EQ(make_token(SignScheme::md5, kUri, std::nullopt, kSecret), expected);
  // The End Point post's token, as recorded in the reference.
  EXPECT_EQ(expected, "TwcXg954Rhkjt1RK8IO4jA");
}

TEST(Md5Token, WithExpiryEqualsTheSpecPipeline) {
  std::string expected = openssl_md5_token("2147483647" + kUri + " " + kSecret);
  ASSERT_EQ(expected.size(), 22u);
  EXPECT_EQ(make_token(SignScheme::md5, kUri, kFuture, kSecret), expected);
  EXPECT_EQ(expected, "JfV0o31UyQpUTEFI42JNtw");
  // nginx.org's own secure_link_md5 example: "$secure_link_expires$uri$remote_addr secret".
  EXPECT_EQ(make_token(SignScheme::md5, "/s/link127.0.0.1", kFuture, "secret"),
            openssl_md5_token("2147483647/s/link127.0.0.1 secret"));
}

TEST(HmacToken, EqualsOpensslDgst) {
  for (const auto& [secret, uri] : {std::pair<std::string, std::string>{kSecret, kUri},
                                    {"k", "/image/150x150/a.jpg"},
                                    {"another secret", "/image/info/a b.png"}}) {
    std::string expected = openssl_hmac_token(secret, uri);
    ASSERT_EQ(expected.size(), 43u) << "openssl pipeline failed: '" << expected << "'";
    EXPECT_EQ(make_token(SignScheme::hmac_sha256, uri, std::nullopt, secret), expected) << uri;
    std::string with_expiry = openssl_hmac_token(secret, "2147483647" + uri);
    EXPECT_EQ(make_token(SignScheme::hmac_sha256, uri, kFuture, secret), with_expiry) << uri;
  }
}

TEST(VerifyToken, ValidTokens) {
  Config config = md5_config();
  std::string token = make_token(SignScheme::md5, kUri, std::nullopt, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token), kNow), Verdict::ok);
  std::string expiring = make_token(SignScheme::md5, kUri, kFuture, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(expiring, kFuture), kNow), Verdict::ok);
  // Parameter order and unrelated parameters do not matter.
  EXPECT_EQ(
      verify_token(signing_keys(config), kUri, "expires=2147483647&x=1&auth=" + expiring, kNow),
      Verdict::ok);
  // nginx: an expiry equal to now is still valid.
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(expiring, kFuture), kFuture),
            Verdict::ok);
}

TEST(VerifyToken, Missing) {
  Config config = md5_config();
  for (const char* query : {"", "auth=", "auth", "expires=2147483647", "xauth=abc", "a=1&b=2"}) {
    EXPECT_EQ(verify_token(signing_keys(config), kUri, query, kNow), Verdict::missing) << query;
  }
}

TEST(VerifyToken, WrongTokens) {
  Config config = md5_config();
  std::string other_uri =
      make_token(SignScheme::md5, "/image/150x150/other.jpg", std::nullopt, kSecret);
  std::string other_secret = make_token(SignScheme::md5, kUri, std::nullopt, "not_the_secret");
  std::string hmac = make_token(SignScheme::hmac_sha256, kUri, std::nullopt, kSecret);
  for (const std::string& token : {other_uri, other_secret, hmac, std::string("garbage"),
                                   std::string("AAAAAAAAAAAAAAAAAAAAAA")}) {
    EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token), kNow), Verdict::bad) << token;
  }
}

TEST(VerifyToken, ExpiredOnlyWhenTheTokenIsRight) {
  Config config = md5_config();
  std::string past = make_token(SignScheme::md5, kUri, kPast, kSecret);
  // The reference's token for this expiry (nginx answered 410).
  EXPECT_EQ(past, openssl_md5_token("1700000000" + kUri + " " + kSecret));
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(past, kPast), kNow), Verdict::expired);
  // nginx [run]: a wrong hash on an expired link is "", not "0": 403, not 410.
  std::string wrong = make_token(SignScheme::md5, kUri, kPast, "not_the_secret");
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(wrong, kPast), kNow), Verdict::bad);
}

TEST(VerifyToken, TamperedExpiry) {
  Config config = md5_config();
  std::string token = make_token(SignScheme::md5, kUri, kPast, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token, kFuture), kNow), Verdict::bad);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token, kPast + 1), kNow), Verdict::bad);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token), kNow),
            Verdict::bad);  // expiry dropped
  for (const char* expires : {"", "abc", "-1", "0", "1e9", "17000000000000000000000"}) {
    EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token) + "&expires=" + expires, kNow),
              Verdict::bad)
        << expires;
  }
  // A token without expiry does not accept an added one.
  std::string forever = make_token(SignScheme::md5, kUri, std::nullopt, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(forever, kFuture), kNow), Verdict::bad);
}

TEST(VerifyToken, PreviousSecretForKeyRotation) {
  Config config = md5_config("new_secret");
  config.secret_previous = kSecret;
  std::string old_token = make_token(SignScheme::md5, kUri, std::nullopt, kSecret);
  std::string new_token = make_token(SignScheme::md5, kUri, std::nullopt, "new_secret");
  std::string neither = make_token(SignScheme::md5, kUri, std::nullopt, "third_secret");
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(old_token), kNow), Verdict::ok);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(new_token), kNow), Verdict::ok);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(neither), kNow), Verdict::bad);
  std::string old_expired = make_token(SignScheme::md5, kUri, kPast, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(old_expired, kPast), kNow),
            Verdict::expired);

  config.secret_previous.clear();  // rotation finished: the old token stops working
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(old_token), kNow), Verdict::bad);
}

TEST(VerifyToken, EmptyPreviousSecretIsNotAKey) {
  Config config = md5_config();
  std::string empty_key = make_token(SignScheme::md5, kUri, std::nullopt, "");
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(empty_key), kNow), Verdict::bad);
}

TEST(VerifyToken, NginxBase64Leniency) {
  Config config = md5_config();
  std::string token = make_token(SignScheme::md5, kUri, std::nullopt, kSecret);
  ASSERT_EQ(token.size(), 22u);
  // Literal padding is accepted (decoding stops at '='); percent-encoded padding is not.
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token + "=="), kNow), Verdict::ok);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token + "%3D%3D"), kNow), Verdict::bad);
  // One extra character is a different length: rejected.
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token + "A"), kNow), Verdict::bad);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token.substr(0, 21)), kNow),
            Verdict::bad);
}

TEST(VerifyToken, StandardBase64AlphabetIsRejected) {
  // A token holding '-' and '_' (found by trying expiries; the alphabet is what matters).
  Config config = md5_config();
  std::string token;
  std::int64_t expires = kFuture;
  for (; expires > kFuture - 1000; --expires) {
    token = make_token(SignScheme::md5, kUri, expires, kSecret);
    if (token.find('-') != std::string::npos && token.find('_') != std::string::npos) break;
  }
  ASSERT_NE(token.find('-'), std::string::npos);
  ASSERT_NE(token.find('_'), std::string::npos);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token, expires), kNow), Verdict::ok);
  std::string plus = token, slash = token;
  plus[plus.find('-')] = '+';
  slash[slash.find('_')] = '/';
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(plus, expires), kNow), Verdict::bad);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(slash, expires), kNow), Verdict::bad);
}

TEST(VerifyToken, HmacScheme) {
  Config config = hmac_config();
  std::string token = make_token(SignScheme::hmac_sha256, kUri, std::nullopt, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(token), kNow), Verdict::ok);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, "", kNow), Verdict::missing);
  std::string md5 = make_token(SignScheme::md5, kUri, std::nullopt, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(md5), kNow), Verdict::bad);
  std::string past = make_token(SignScheme::hmac_sha256, kUri, kPast, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(past, kPast), kNow), Verdict::expired);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(past, kFuture), kNow), Verdict::bad);
  std::string future = make_token(SignScheme::hmac_sha256, kUri, kFuture, kSecret);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, auth(future, kFuture), kNow), Verdict::ok);
}

TEST(VerifyToken, NoSigningAcceptsEverything) {
  Config config;
  config.sign = SignScheme::none;
  EXPECT_EQ(verify_token(signing_keys(config), kUri, "", kNow), Verdict::ok);
  EXPECT_EQ(verify_token(signing_keys(config), kUri, "auth=garbage&expires=1", kNow), Verdict::ok);
}

TEST(SignUri, TokenCoversTheDecodedPath) {
  Config config = md5_config();
  const std::string raw = "/image/150x150/a%20b.jpg";
  std::string expected_token = openssl_md5_token("/image/150x150/a b.jpg " + kSecret);
  EXPECT_EQ(sign_uri(signing_keys(config), raw, std::nullopt), raw + "?auth=" + expected_token);
  std::string expiring = openssl_md5_token("2147483647/image/150x150/a b.jpg " + kSecret);
  EXPECT_EQ(sign_uri(signing_keys(config), raw, kFuture),
            raw + "?auth=" + expiring + "&expires=2147483647");
}

TEST(SignUri, SignedUrlVerifiesForTheParsedRequest) {
  for (Config config : {md5_config(), hmac_config()}) {
    const std::optional<std::int64_t> expiries[] = {std::nullopt, kFuture};
    for (const std::optional<std::int64_t>& expires : expiries) {
      const std::string raw = "/image/150x150,crop/dir/caf%C3%A9%20x.jpg";
      std::string signed_url = sign_uri(signing_keys(config), raw, expires);
      auto q = signed_url.find('?');
      ASSERT_NE(q, std::string::npos);
      EXPECT_EQ(signed_url.substr(0, q), raw);
      ImageRequest request = parse_image_request(raw, config);
      EXPECT_EQ(verify_token(signing_keys(config), request.uri, signed_url.substr(q + 1), kNow),
                Verdict::ok)
          << signed_url;
    }
  }
}

TEST(QueryParam, EdgeCases) {
  using std::optional;
  using std::string_view;
  EXPECT_EQ(query_param("auth=abc&expires=5", "auth"), optional<string_view>("abc"));
  EXPECT_EQ(query_param("auth=abc&expires=5", "expires"), optional<string_view>("5"));
  EXPECT_EQ(query_param("expires=5&auth=abc", "auth"), optional<string_view>("abc"));
  EXPECT_EQ(query_param("authx=1&auth=abc", "auth"), optional<string_view>("abc"));
  EXPECT_EQ(query_param("xauth=1", "auth"), std::nullopt);
  EXPECT_EQ(query_param("", "auth"), std::nullopt);
  EXPECT_EQ(query_param("auth=", "auth"), optional<string_view>(""));
  EXPECT_EQ(query_param("auth=a=b", "auth"), optional<string_view>("a=b"));
  EXPECT_EQ(query_param("&&auth=z&", "auth"), optional<string_view>("z"));
  EXPECT_EQ(query_param("auth=first&auth=second", "auth"), optional<string_view>("first"));
  EXPECT_EQ(query_param("auth=%3D%3D", "auth"), optional<string_view>("%3D%3D"));  // undecoded
  EXPECT_EQ(query_param("a=1&b=2", "auth"), std::nullopt);
}

}  // namespace
}  // namespace imgcache
