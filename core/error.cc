#include "core/error.h"

namespace imgcache {

int http_status(Errc code) {
  switch (code) {
    case Errc::bad_request:
      return 400;
    case Errc::bad_signature:
      return 403;
    case Errc::not_found:
      return 404;
    case Errc::method_not_allowed:
      return 405;
    case Errc::link_expired:
      return 410;
    case Errc::unsupported_image:
      return 415;
    case Errc::origin_error:
      return 502;
    case Errc::overloaded:
      return 503;
    case Errc::origin_timeout:
      return 504;
    case Errc::internal:
    case Errc::bad_config:
      return 500;
  }
  return 500;
}

Errc errc_from_http_status(int status) {
  for (Errc code : {Errc::bad_request, Errc::bad_signature, Errc::not_found,
                    Errc::method_not_allowed, Errc::link_expired, Errc::unsupported_image,
                    Errc::origin_error, Errc::overloaded, Errc::origin_timeout}) {
    if (http_status(code) == status) return code;
  }
  return Errc::internal;
}

std::string_view public_message(Errc code) {
  switch (code) {
    case Errc::bad_request:
      return "bad request";
    case Errc::bad_signature:
      return "forbidden";
    case Errc::not_found:
      return "not found";
    case Errc::method_not_allowed:
      return "method not allowed";
    case Errc::link_expired:
      return "link expired";
    case Errc::unsupported_image:
      return "unsupported image";
    case Errc::origin_error:
      return "origin error";
    case Errc::overloaded:
      return "overloaded, retry later";
    case Errc::origin_timeout:
      return "origin timeout";
    case Errc::internal:
    case Errc::bad_config:
      return "internal error";
  }
  return "internal error";
}

int exit_code(Errc code) {
  switch (code) {
    case Errc::bad_config:
      return 2;
    default:
      return 1;
  }
}

}  // namespace imgcache
