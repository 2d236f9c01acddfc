#include "core/url_credentials.h"

#include "core/error.h"
#include "core/image_request.h"

namespace imgcache {
namespace {

// Where the user information of `url` lies ("user:password", without the '@'), if any.
std::optional<std::pair<std::size_t, std::size_t>> userinfo_span(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::size_t start = scheme_end + 3;
  std::size_t authority_end = url.find_first_of("/?#", start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::size_t at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  return std::pair{start, at};
}

}  // namespace

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
