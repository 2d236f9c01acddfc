// URL tokens (SPEC §3). md5 is nginx secure_link_md5 "$secure_link_expires$uri <secret>"
// compatible; hmac-sha256 keys HMAC-SHA256 with the secret over "<expires><uri>".
// Tokens are base64url without padding. Verification compares in constant time, accepts
// secret_previous for key rotation, and returns a Verdict rather than throwing: a bad
// token is an expected outcome.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imgcache {

enum class SignScheme { none, md5, hmac_sha256 };

// What signing needs of the config (sign, secret, secret_previous).
struct SigningKeys {
  SignScheme scheme = SignScheme::none;
  std::string secret;
  std::string secret_previous;  // still accepted, never used to sign
};

enum class Verdict { ok, missing, bad, expired };

// `uri` is the decoded request path ($uri); `expires` is Unix seconds.
std::string make_token(SignScheme scheme, std::string_view uri, std::optional<std::int64_t> expires,
                       std::string_view secret);

// `query` is the raw query string ("auth=…&expires=…"); `now` is Unix seconds.
Verdict verify_token(const SigningKeys& keys, std::string_view uri, std::string_view query,
                     std::int64_t now);

// "<raw_uri>?auth=<token>[&expires=<epoch>]" for the configured scheme and secret; the
// token covers the percent-decoded path, as nginx's $uri.
std::string sign_uri(const SigningKeys& keys, std::string_view raw_uri,
                     std::optional<std::int64_t> expires);

// The link's `expires` (Unix seconds) when the query has a well-formed one.
std::optional<std::int64_t> link_expiry(std::string_view query);

// The value of one query parameter, undecoded (as nginx's $arg_NAME).
std::optional<std::string_view> query_param(std::string_view query, std::string_view name);

}  // namespace imgcache
