#include "fcgi/fcgi_io.h"

#include <fcgiapp.h>

namespace imgcache {
namespace {

std::string param(const FCGX_Request& request, const char* name) {
  const char* value = FCGX_GetParam(name, request.envp);
  return value ? value : "";
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 410:
      return "Gone";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

bool put(FCGX_Request& request, const char* data, std::size_t size) {
  return FCGX_PutStr(data, static_cast<int>(size), request.out) == static_cast<int>(size);
}

}  // namespace

HttpRequest read_request(const FCGX_Request& request) {
  HttpRequest out;
  out.method = param(request, "REQUEST_METHOD");
  std::string uri = param(request, "REQUEST_URI");
  auto question = uri.find('?');
  out.path = uri.substr(0, question);
  out.query =
      question == std::string::npos ? param(request, "QUERY_STRING") : uri.substr(question + 1);
  out.accept = param(request, "HTTP_ACCEPT");
  out.if_none_match = param(request, "HTTP_IF_NONE_MATCH");
  out.if_modified_since = param(request, "HTTP_IF_MODIFIED_SINCE");
  return out;
}

std::uint64_t write_response(FCGX_Request& request, const HttpResponse& response, bool head) {
  std::string header_block =
      "Status: " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  for (const auto& [name, value] : response.headers) header_block += name + ": " + value + "\r\n";
  if (response.status != 304 && !response.header("Content-Length") &&
      !response.header("X-Accel-Redirect") && !response.header("X-Sendfile")) {
    header_block += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  header_block += "\r\n";
  if (!put(request, header_block.data(), header_block.size()) || head || response.status == 304) {
    return 0;
  }
  return put(request, response.body.data(), response.body.size()) ? response.body.size() : 0;
}

}  // namespace imgcache
