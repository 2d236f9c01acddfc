#include "fcgi/fcgi_io.h"

#include <fastcgi.h>
#include <fcgiapp.h>
#include <limits.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string_view>
#include <vector>

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

constexpr std::size_t kRecordContentMax = 65528;  // a multiple of 8 within FCGI_MAX_LENGTH

// The whole answer as FastCGI records — FCGI_STDOUT records for the CGI headers and body,
// the empty one that ends the stream, then FCGI_END_REQUEST — written with one writev.
// Through libfcgi's 8 KiB stream buffer a large answer would take one write per 8 KiB and
// its end would follow in a write of its own, which a web server may not have read when it
// wants the connection for the next request.
class AnswerRecords {
 public:
  explicit AnswerRecords(const FCGX_Request& request)
      : id_(static_cast<unsigned>(request.requestId)) {}

  void add_stdout(std::string_view content) {
    for (std::size_t at = 0; at < content.size(); at += kRecordContentMax) {
      add(FCGI_STDOUT, content.substr(at, kRecordContentMax));
    }
  }

  void add_end() {
    add(FCGI_STDOUT, {});
    static constexpr char kComplete[8] = {0, 0, 0, 0, FCGI_REQUEST_COMPLETE, 0, 0, 0};
    add(FCGI_END_REQUEST, std::string_view(kComplete, sizeof kComplete));
  }

  bool write_to(int fd) {
    static constexpr char kPadding[8] = {};
    std::vector<iovec> pieces;
    for (std::size_t i = 0; i < headers_.size(); ++i) {
      pieces.push_back({headers_[i].data(), headers_[i].size()});
      pieces.push_back({const_cast<char*>(contents_[i].data()), contents_[i].size()});
      pieces.push_back({const_cast<char*>(kPadding), headers_[i][6]});
    }
    std::size_t first = 0;
    while (first < pieces.size()) {
      int count = static_cast<int>(std::min<std::size_t>(pieces.size() - first, IOV_MAX));
      ssize_t written = ::writev(fd, &pieces[first], count);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) return false;
      auto left = static_cast<std::size_t>(written);
      while (first < pieces.size() && left >= pieces[first].iov_len) {
        left -= pieces[first].iov_len;
        ++first;
      }
      if (left > 0) {
        pieces[first].iov_base = static_cast<char*>(pieces[first].iov_base) + left;
        pieces[first].iov_len -= left;
      }
    }
    return true;
  }

 private:
  void add(unsigned char type, std::string_view content) {
    auto length = static_cast<unsigned>(content.size());
    auto padding = static_cast<unsigned char>((8 - length % 8) % 8);
    headers_.push_back({FCGI_VERSION_1, type, static_cast<unsigned char>(id_ >> 8),
                        static_cast<unsigned char>(id_ & 0xff),
                        static_cast<unsigned char>(length >> 8),
                        static_cast<unsigned char>(length & 0xff), padding, 0});
    contents_.push_back(content);
  }

  unsigned id_;
  std::vector<std::array<unsigned char, 8>> headers_;
  std::vector<std::string_view> contents_;
};

// The answer went out whole: FCGX_Finish_r must neither flush these streams nor end the
// request again, only free them (and close the connection unless the web server keeps it).
void mark_written(FCGX_Stream* stream) {
  stream->wasFCloseCalled = 1;
  stream->isClosed = 1;
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
  // Browsers take every answer as its Content-Type says, never as what its bytes look like.
  header_block += "X-Content-Type-Options: nosniff\r\n";
  if (response.status != 304 && !response.header("Content-Length") &&
      !response.header("X-Accel-Redirect") && !response.header("X-Sendfile")) {
    header_block += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  header_block += "\r\n";
  const bool with_body = !head && response.status != 304;
  AnswerRecords records(request);
  records.add_stdout(header_block);
  if (with_body) records.add_stdout(response.body);
  records.add_end();
  const bool written = records.write_to(request.ipcFd);
  mark_written(request.out);
  mark_written(request.err);
  if (!written) {
    request.keepConnection = 0;  // broken mid-answer: never reuse the connection
    return 0;
  }
  return with_body ? response.body.size() : 0;
}

}  // namespace imgcache
