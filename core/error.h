// The one error type of imgcache. Every failure that reaches a front end is an
// imgcache::Error carrying an Errc; http_status(), public_message() and exit_code()
// are the only tables that turn an Errc into what a client or a shell sees.
// The detail text is for logs only and never reaches a client.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace imgcache {

enum class Errc {
  bad_request,         // 400: malformed path, size or options
  bad_signature,       // 403: missing or wrong token
  not_found,           // 404: origin 404 or unknown route
  method_not_allowed,  // 405
  link_expired,        // 410: valid token, expiry passed
  unsupported_image,   // 415: not an image, undecodable, too large
  internal,            // 500
  origin_error,        // 502: origin unreachable or 5xx
  overloaded,          // 503
  origin_timeout,      // 504
  bad_config,          // exit 2 before serving
};

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& detail) : std::runtime_error(detail), code_(code) {}
  Errc code() const { return code_; }

 private:
  Errc code_;
};

int http_status(Errc code);
// The Errc a status from an imgcache responder stands for (internal if none does).
Errc errc_from_http_status(int status);
// Short plain-text reason for a client: never paths, secrets or library text.
std::string_view public_message(Errc code);
// Exit status of the CLI for a failure of this kind (2 for usage/config, else 1).
int exit_code(Errc code);

}  // namespace imgcache
