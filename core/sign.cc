#include "core/sign.h"

#include <charconv>

#include "core/digest.h"
#include "core/image_request.h"

namespace imgcache {
namespace {

std::string raw_digest(SignScheme scheme, std::string_view uri, std::optional<std::int64_t> expires,
                       std::string_view secret) {
  std::string message = expires ? std::to_string(*expires) : std::string();
  message += uri;
  if (scheme == SignScheme::hmac_sha256) return hmac_sha256(secret, message);
  message += ' ';
  message += secret;
  return md5(message);
}

bool matches(SignScheme scheme, std::string_view uri, std::optional<std::int64_t> expires,
             const std::string& presented, const std::string& secret) {
  if (secret.empty()) return false;
  return constant_time_equal(raw_digest(scheme, uri, expires, secret), presented);
}

}  // namespace

std::string make_token(SignScheme scheme, std::string_view uri, std::optional<std::int64_t> expires,
                       std::string_view secret) {
  return base64url(raw_digest(scheme, uri, expires, secret));
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (pair == name) return std::string_view();
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
  }
  return std::nullopt;
}

std::optional<std::int64_t> link_expiry(std::string_view query) {
  auto text = query_param(query, "expires");
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

Verdict verify_token(const SigningKeys& keys, std::string_view uri, std::string_view query,
                     std::int64_t now) {
  if (keys.scheme == SignScheme::none) return Verdict::ok;
  auto auth = query_param(query, "auth");
  if (!auth || auth->empty()) return Verdict::missing;
  std::optional<std::int64_t> expires;
  if (query_param(query, "expires")) {
    expires = link_expiry(query);
    if (!expires) return Verdict::bad;
  }
  auto presented = decode_base64url(*auth);
  if (!presented) return Verdict::bad;
  bool current = matches(keys.scheme, uri, expires, *presented, keys.secret);
  bool previous = matches(keys.scheme, uri, expires, *presented, keys.secret_previous);
  if (!current && !previous) return Verdict::bad;
  if (expires && *expires < now) return Verdict::expired;
  return Verdict::ok;
}

std::string sign_uri(const SigningKeys& keys, std::string_view raw_uri,
                     std::optional<std::int64_t> expires) {
  std::string out(raw_uri);
  out += "?auth=" + make_token(keys.scheme, percent_decode(raw_uri), expires, keys.secret);
  if (expires) out += "&expires=" + std::to_string(*expires);
  return out;
}

}  // namespace imgcache
