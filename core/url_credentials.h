// User information in an origin URL (https://user:password@host/…). libcurl gets it apart
// from the URL, for the origin's own host only; cache keys, .meta files and log lines get
// the URL without it, so a password never reaches the disk or the logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imgcache {

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
