// Fuzzes the FastCGI parser with what a peer may send: the same bytes fed whole and in
// pieces of every size give the same requests and the same verdict, no request exceeds the
// parameter cap, and no more requests are open than a connection may hold.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fcgi/fcgi_protocol.h"

namespace {

struct Outcome {
  bool ok = true;
  std::string requests;  // every request's id, method, path and query
  std::string replies;
};

Outcome parse(std::string_view bytes, std::size_t piece) {
  imgcache::FcgiParser parser;
  Outcome out;
  for (std::size_t at = 0; at < bytes.size() && out.ok; at += piece) {
    out.ok = parser.feed(bytes.substr(at, piece));
    out.replies += parser.take_replies();
  }
  if (parser.requests().size() > imgcache::kMaxRequestsPerConnection) std::abort();
  for (const imgcache::FcgiRequest& request : parser.requests()) {
    const imgcache::HttpRequest& http = request.http;
    if (http.method.size() + http.path.size() + http.query.size() > imgcache::kMaxParamsBytes) {
      std::abort();
    }
    out.requests +=
        std::to_string(request.id) + ' ' + http.method + ' ' + http.path + '?' + http.query + '\n';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Outcome whole = parse(bytes, bytes.size() + 1);
  for (std::size_t piece : {1, 7, 64}) {
    Outcome pieces = parse(bytes, piece);
    if (pieces.ok != whole.ok) std::abort();
    if (whole.ok && (pieces.requests != whole.requests || pieces.replies != whole.replies)) {
      std::abort();
    }
  }
  return 0;
}
