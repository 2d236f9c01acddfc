// The FastCGI edge: turns an accepted FCGX_Request's parameters into an HttpRequest and
// writes an HttpResponse back as CGI headers and body — the whole answer, end of request
// included, in one write of FastCGI records. The only user of fcgiapp.h besides the
// server loop.
#pragma once

#include <cstdint>

#include "fcgi/http.h"

struct FCGX_Request;

namespace imgcache {

HttpRequest read_request(const FCGX_Request& request);

// Writes status, headers and (unless HEAD) the body; returns the body bytes written.
std::uint64_t write_response(FCGX_Request& request, const HttpResponse& response, bool head);

}  // namespace imgcache
