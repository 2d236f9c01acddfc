#include "core/url_parts.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/image_request.h"

namespace imgcache {
namespace {

struct Authority {
  std::size_t start = 0;         // after "://"
  std::size_t userinfo_end = 0;  // the '@' ending "user:password", or start if none
  std::size_t end = 0;           // the '/', '?', '#' or end of the URL after it
};

// The authority of `url` ("user:password@host:port"), if it has a "://".
std::optional<Authority> authority_of(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  Authority out;
  out.start = scheme_end + 3;
  out.end = std::min(url.find_first_of("/?#", out.start), url.size());
  std::size_t at = url.substr(0, out.end).rfind('@');
  out.userinfo_end = at == std::string_view::npos || at < out.start ? out.start : at;
  return out;
}

// Where the user information of `url` lies ("user:password", without the '@'), if any.
std::optional<std::pair<std::size_t, std::size_t>> userinfo_span(std::string_view url) {
  auto authority = authority_of(url);
  if (!authority || authority->userinfo_end == authority->start) return std::nullopt;
  return std::pair{authority->start, authority->userinfo_end};
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

UrlParts url_parts(std::string_view url) {
  UrlParts parts;
  auto authority = authority_of(url);
  if (!authority) return parts;
  parts.scheme = lowercase(url.substr(0, authority->start - 3));
  parts.has_userinfo = authority->userinfo_end != authority->start;
  std::size_t host_start = parts.has_userinfo ? authority->userinfo_end + 1 : authority->start;
  parts.host_port = lowercase(url.substr(host_start, authority->end - host_start));
  auto colon = parts.host_port.rfind(':');
  bool has_port =
      colon != std::string::npos && parts.host_port.find(']', colon) == std::string::npos;
  parts.host = has_port ? parts.host_port.substr(0, colon) : parts.host_port;
  return parts;
}

std::string without_credentials(std::string_view url) {
  auto span = userinfo_span(url);
  if (!span) return std::string(url);
  return std::string(url.substr(0, span->first)) + std::string(url.substr(span->second + 1));
}

std::string with_password_hidden(std::string_view url) {
  auto span = userinfo_span(url);
  if (!span) return std::string(url);
  auto colon = url.substr(span->first, span->second - span->first).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, span->first + colon + 1)) + "(set)" +
         std::string(url.substr(span->second));
}

std::optional<UrlCredentials> credentials_of(std::string_view url) {
  auto span = userinfo_span(url);
  if (!span) return std::nullopt;
  std::string_view userinfo = url.substr(span->first, span->second - span->first);
  auto colon = userinfo.find(':');
  UrlCredentials out;
  try {
    out.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = percent_decode(userinfo.substr(colon + 1));
  } catch (const Error&) {
    throw Error(Errc::bad_config, "origin: malformed escape in its user information");
  }
  return out;
}

}  // namespace imgcache
