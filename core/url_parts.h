// The parts of an absolute URL (scheme://user:password@host:port/…) that the fetcher
// judges: scheme and host for redirects and credentials, and the user information, which
// libcurl gets apart from the URL, for the origin's own host only; cache keys, .meta files
// and log lines get the URL without it, so a password never reaches the disk or the logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imgcache {

struct UrlParts {
  std::string scheme;         // "https", lowercased
  std::string host_port;      // "example.com:8443", lowercased, without user information
  std::string host;           // "example.com" ([…] kept for IPv6 literals)
  bool has_userinfo = false;  // "user[:password]@" before the host
};
// Empty parts if the URL has no "://".
UrlParts url_parts(std::string_view url);

struct UrlCredentials {
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded; empty if the URL gives none
};

// The URL without "user[:password]@"; unchanged if it has none.
std::string without_credentials(std::string_view url);
// The user information of the URL, if it has any.
std::optional<UrlCredentials> credentials_of(std::string_view url);
// The URL with its password, if it has one, shown as "(set)": for printing a config.
std::string with_password_hidden(std::string_view url);

}  // namespace imgcache
