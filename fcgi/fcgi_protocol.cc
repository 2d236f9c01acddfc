#include "fcgi/fcgi_protocol.h"

#include <fastcgi.h>

#include <optional>

namespace imgcache {
namespace {

constexpr std::size_t kRecordContentMax = 65528;  // a multiple of 8 within FCGI_MAX_LENGTH

void append_record(std::string& out, unsigned char type, std::uint16_t id,
                   std::string_view content) {
  const auto length = static_cast<unsigned>(content.size());
  const auto padding = static_cast<unsigned char>((8 - length % 8) % 8);
  const char header[FCGI_HEADER_LEN] = {FCGI_VERSION_1,
                                        static_cast<char>(type),
                                        static_cast<char>(id >> 8),
                                        static_cast<char>(id & 0xff),
                                        static_cast<char>(length >> 8),
                                        static_cast<char>(length & 0xff),
                                        static_cast<char>(padding),
                                        0};
  out.append(header, sizeof header);
  out.append(content);
  out.append(padding, '\0');
}

void append_stream(std::string& out, std::uint16_t id, std::string_view content) {
  for (std::size_t at = 0; at < content.size(); at += kRecordContentMax) {
    append_record(out, FCGI_STDOUT, id, content.substr(at, kRecordContentMax));
  }
}

void append_end_request(std::string& out, std::uint16_t id, unsigned char protocol_status) {
  const char body[8] = {0, 0, 0, 0, static_cast<char>(protocol_status), 0, 0, 0};
  append_record(out, FCGI_END_REQUEST, id, std::string_view(body, sizeof body));
}

// A name-value pair length: one byte below 128, else four with the top bit set.
std::optional<std::size_t> take_length(std::string_view& in) {
  if (in.empty()) return std::nullopt;
  const auto first = static_cast<unsigned char>(in[0]);
  if (first < 0x80) {
    in.remove_prefix(1);
    return first;
  }
  if (in.size() < 4) return std::nullopt;
  std::size_t length = first & 0x7f;
  for (int i = 1; i < 4; ++i) length = length << 8 | static_cast<unsigned char>(in[i]);
  in.remove_prefix(4);
  return length;
}

void append_length(std::string& out, std::size_t length) {
  if (length < 0x80) {
    out += static_cast<char>(length);
    return;
  }
  out += static_cast<char>(0x80 | (length >> 24));
  out += static_cast<char>(length >> 16);
  out += static_cast<char>(length >> 8);
  out += static_cast<char>(length);
}

// Calls `each(name, value)` for every pair; false if the pairs are malformed.
template <typename Each>
bool for_each_pair(std::string_view in, Each each) {
  while (!in.empty()) {
    auto name_length = take_length(in);
    auto value_length = name_length ? take_length(in) : std::nullopt;
    if (!value_length || in.size() < *name_length + *value_length) return false;
    each(in.substr(0, *name_length), in.substr(*name_length, *value_length));
    in.remove_prefix(*name_length + *value_length);
  }
  return true;
}

std::optional<HttpRequest> http_request(std::string_view params) {
  HttpRequest out;
  std::string uri;
  std::optional<std::string> query_string;
  bool well_formed = for_each_pair(params, [&](std::string_view name, std::string_view value) {
    if (name == "REQUEST_METHOD") out.method = value;
    if (name == "REQUEST_URI") uri = value;
    if (name == "QUERY_STRING") query_string = std::string(value);
    if (name == "HTTP_ACCEPT") out.accept = value;
    if (name == "HTTP_IF_NONE_MATCH") out.if_none_match = value;
    if (name == "HTTP_IF_MODIFIED_SINCE") out.if_modified_since = value;
    if (name == "IMGCACHE_SENDFILE") out.sendfile = value != "off";
  });
  if (!well_formed) return std::nullopt;
  const auto question = uri.find('?');
  out.path = uri.substr(0, question);
  if (question != std::string::npos) {
    out.query = uri.substr(question + 1);
  } else if (query_string) {
    out.query = *query_string;
  }
  return out;
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

}  // namespace

bool FcgiParser::feed(std::string_view bytes) {
  if (!error_.empty()) return false;
  buffer_.append(bytes);
  std::size_t at = 0;
  while (buffer_.size() - at >= FCGI_HEADER_LEN) {
    const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + at);
    const std::size_t content_length = header[4] << 8 | header[5];
    const std::size_t record_length = FCGI_HEADER_LEN + content_length + header[6];
    if (header[0] != FCGI_VERSION_1) {
      buffer_.clear();
      return fail("not a FastCGI version 1 record");
    }
    if (buffer_.size() - at < record_length) break;
    const auto id = static_cast<std::uint16_t>(header[2] << 8 | header[3]);
    std::string_view content(buffer_.data() + at + FCGI_HEADER_LEN, content_length);
    if (!take_record(header[1], id, content)) {
      buffer_.clear();
      return false;
    }
    at += record_length;
  }
  buffer_.erase(0, at);
  return true;
}

std::string FcgiParser::take_replies() { return std::exchange(replies_, {}); }

bool FcgiParser::fail(std::string reason) {
  error_ = std::move(reason);
  return false;
}

bool FcgiParser::take_record(unsigned char type, std::uint16_t id, std::string_view content) {
  switch (type) {
    case FCGI_BEGIN_REQUEST:
      return begin(id, content);
    case FCGI_PARAMS:
      return add_params(id, content);
    case FCGI_ABORT_REQUEST:
      // Still reading its parameters: dropped and ended. Already handed out: answered as
      // usual, the web server discards it.
      if (open_.erase(id) > 0) append_end_request(replies_, id, FCGI_REQUEST_COMPLETE);
      return true;
    case FCGI_STDIN:
    case FCGI_DATA:
      return true;  // a request body: GET and HEAD have none, others are refused with 405
    case FCGI_GET_VALUES:
      if (id == FCGI_NULL_REQUEST_ID) answer_get_values(content);
      return true;
    default:
      if (id == FCGI_NULL_REQUEST_ID) {
        const char body[8] = {static_cast<char>(type), 0, 0, 0, 0, 0, 0, 0};
        append_record(replies_, FCGI_UNKNOWN_TYPE, 0, std::string_view(body, sizeof body));
      }
      return true;  // a record a responder is never sent: ignored
  }
}

bool FcgiParser::begin(std::uint16_t id, std::string_view content) {
  if (id == FCGI_NULL_REQUEST_ID || content.size() < 8) return fail("malformed BEGIN_REQUEST");
  if (open_.count(id) > 0) return fail("BEGIN_REQUEST for a request already open");
  const unsigned role =
      static_cast<unsigned char>(content[0]) << 8 | static_cast<unsigned char>(content[1]);
  if (role != FCGI_RESPONDER) {
    append_end_request(replies_, id, FCGI_UNKNOWN_ROLE);
    return true;
  }
  if (open_.size() + complete_.size() >= kMaxRequestsPerConnection) {
    return fail("too many requests open on one connection");
  }
  open_[id].keep_connection = (content[2] & FCGI_KEEP_CONN) != 0;
  return true;
}

bool FcgiParser::add_params(std::uint16_t id, std::string_view content) {
  auto open = open_.find(id);
  if (open == open_.end()) return true;  // a refused or aborted request's parameters
  if (!content.empty()) {
    if (open->second.params.size() + content.size() > kMaxParamsBytes) {
      return fail("request parameters larger than " + std::to_string(kMaxParamsBytes) + " bytes");
    }
    open->second.params.append(content);
    return true;
  }
  std::optional<HttpRequest> http = http_request(open->second.params);
  if (!http) return fail("malformed request parameters");
  complete_.push_back({id, open->second.keep_connection, std::move(*http)});
  open_.erase(open);
  return true;
}

void FcgiParser::answer_get_values(std::string_view content) {
  std::string result;
  for_each_pair(content, [&result](std::string_view name, std::string_view) {
    std::string value;
    if (name == FCGI_MAX_CONNS) value = "4096";
    if (name == FCGI_MAX_REQS) value = std::to_string(4096 * kMaxRequestsPerConnection);
    if (name == FCGI_MPXS_CONNS) value = "1";
    if (value.empty()) return;
    append_length(result, name.size());
    append_length(result, value.size());
    result.append(name);
    result += value;
  });
  append_record(replies_, FCGI_GET_VALUES_RESULT, 0, result);
}

std::string encode_answer(std::uint16_t id, const HttpResponse& response, bool head) {
  std::string headers =
      "Status: " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  for (const auto& [name, value] : response.headers) headers += name + ": " + value + "\r\n";
  // Browsers take every answer as its Content-Type says, never as what its bytes look like.
  headers += "X-Content-Type-Options: nosniff\r\n";
  if (response.status != 304 && !response.header("Content-Length") &&
      !response.header("X-Accel-Redirect") && !response.header("X-Sendfile")) {
    headers += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  headers += "\r\n";
  const bool with_body = !head && response.status != 304;
  std::string out;
  out.reserve(headers.size() + (with_body ? response.body.size() : 0) + 64 +
              16 * (response.body.size() / kRecordContentMax + 1));
  append_stream(out, id, headers);
  if (with_body) append_stream(out, id, response.body);
  append_record(out, FCGI_STDOUT, id, {});
  append_end_request(out, id, FCGI_REQUEST_COMPLETE);
  return out;
}

}  // namespace imgcache
