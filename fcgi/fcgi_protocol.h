// The FastCGI wire protocol, without I/O: a FcgiParser takes the bytes a connection
// delivered, in whatever pieces they came, and hands out whole requests; encode_answer()
// turns an HttpResponse into the records of one answer. The server loop owns the sockets;
// everything a peer can send is judged here, against fixed limits:
//   - the parameters of one request (the HTTP headers, as the web server passes them) are
//     at most kMaxParamsBytes; more breaks the stream;
//   - at most kMaxRequestsPerConnection requests may be open on one connection at once
//     (requests are multiplexed by id: pipelined requests are all answered);
//   - a version other than 1, a BEGIN_REQUEST for an open id, or a record for an unknown
//     request breaks the stream only where it cannot be skipped.
// The roles other than RESPONDER are refused with END_REQUEST(UNKNOWN_ROLE), management
// records are answered (GET_VALUES) or refused (UNKNOWN_TYPE), request bodies (STDIN,
// DATA) are read and dropped: GET and HEAD have none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "fcgi/http.h"

namespace imgcache {

inline constexpr std::size_t kMaxParamsBytes = 128 * 1024;
inline constexpr unsigned kMaxRequestsPerConnection = 16;

struct FcgiRequest {
  std::uint16_t id = 0;
  bool keep_connection = false;  // FCGI_KEEP_CONN: the web server reuses the connection
  HttpRequest http;
};

class FcgiParser {
 public:
  // Takes more bytes of the stream. False once the stream is broken (see error()): the
  // connection must be closed, after sending take_replies().
  bool feed(std::string_view bytes);

  // The requests completed so far, oldest first.
  std::deque<FcgiRequest>& requests() { return complete_; }
  // Records the protocol answers by itself (GET_VALUES_RESULT, UNKNOWN_TYPE, END_REQUEST
  // for a refused role or an aborted request); empty when none.
  std::string take_replies();

  // Bytes of a request that is not complete yet are buffered (a record started, or a
  // request begun whose parameters have not ended).
  bool mid_request() const { return !buffer_.empty() || !open_.empty(); }
  const std::string& error() const { return error_; }

 private:
  struct OpenRequest {
    bool keep_connection = false;
    std::string params;
  };
  // One whole record; false when it breaks the stream.
  bool take_record(unsigned char type, std::uint16_t id, std::string_view content);
  bool begin(std::uint16_t id, std::string_view content);
  bool add_params(std::uint16_t id, std::string_view content);
  void answer_get_values(std::string_view content);
  bool fail(std::string reason);

  std::string buffer_;  // an incomplete record
  std::map<std::uint16_t, OpenRequest> open_;
  std::deque<FcgiRequest> complete_;
  std::string replies_;
  std::string error_;
};

// The whole answer to request `id`: STDOUT records with the CGI headers and (unless
// `head`) the body, the empty STDOUT that ends the stream, then END_REQUEST.
std::string encode_answer(std::uint16_t id, const HttpResponse& response, bool head);

}  // namespace imgcache
