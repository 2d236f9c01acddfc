// A raw FastCGI peer for the integration tests: builds records byte by byte (independently
// of the responder's own encoder), so tests can speak to imgcache-fcgi as nginx does, or as
// a hostile or broken peer would: half a header, one byte a second, pipelined requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace imgcache::testing {

// One record: version 1, the type, the request id, the content, padded to 8 bytes.
std::string fcgi_record(unsigned char type, std::uint16_t id, const std::string& content);
// BEGIN_REQUEST (role 1 = responder, 3 = filter), PARAMS with the pairs, the empty PARAMS
// and the empty STDIN: a whole request as nginx sends it.
std::string fcgi_request(std::uint16_t id, const std::string& method, const std::string& uri,
                         bool keep_connection = true, unsigned role = 1);
// The pairs encoded as FastCGI name-value pairs.
std::string fcgi_pairs(const std::vector<std::pair<std::string, std::string>>& pairs);

// A connected TCP socket to 127.0.0.1:port, or to a numeric IPv4 or IPv6 host; closes on
// destruction. Throws if nothing accepts the connection.
class FcgiConnection {
 public:
  explicit FcgiConnection(int port);
  FcgiConnection(const std::string& host, int port);
  FcgiConnection(const FcgiConnection&) = delete;
  FcgiConnection& operator=(const FcgiConnection&) = delete;
  ~FcgiConnection();

  bool send(const std::string& bytes);
  // Reads records until `count` END_REQUEST records (or other management replies) have come,
  // the peer closes, or the timeout passes. Returns every record read, as (type, id, content).
  struct Record {
    unsigned char type;
    std::uint16_t id;
    std::string content;
  };
  std::vector<Record> read_records(std::size_t end_records, std::chrono::milliseconds timeout);
  // True if the peer closed the connection (read returns 0 or an error) within the timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string buffer_;
};

// The STDOUT streams of the records, by request id: each is the CGI headers and body.
std::map<std::uint16_t, std::string> stdout_by_id(
    const std::vector<FcgiConnection::Record>& records);

}  // namespace imgcache::testing
