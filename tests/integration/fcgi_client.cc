#include "tests/integration/fcgi_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace imgcache::testing {
namespace {

void append_length(std::string& out, std::size_t length) {
  if (length < 128) {
    out += static_cast<char>(length);
    return;
  }
  out += static_cast<char>(0x80 | (length >> 24));
  out += static_cast<char>((length >> 16) & 0xff);
  out += static_cast<char>((length >> 8) & 0xff);
  out += static_cast<char>(length & 0xff);
}

constexpr unsigned char kEndRequest = 3;
constexpr unsigned char kGetValuesResult = 10;
constexpr unsigned char kUnknownType = 11;

}  // namespace

std::string fcgi_record(unsigned char type, std::uint16_t id, const std::string& content) {
  std::string out;
  out += '\1';
  out += static_cast<char>(type);
  out += static_cast<char>(id >> 8);
  out += static_cast<char>(id & 0xff);
  out += static_cast<char>(content.size() >> 8);
  out += static_cast<char>(content.size() & 0xff);
  const std::size_t padding = (8 - content.size() % 8) % 8;
  out += static_cast<char>(padding);
  out += '\0';
  out += content;
  out.append(padding, '\0');
  return out;
}

std::string fcgi_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    append_length(out, name.size());
    append_length(out, value.size());
    out += name + value;
  }
  return out;
}

std::string fcgi_request(std::uint16_t id, const std::string& method, const std::string& uri,
                         bool keep_connection, unsigned role) {
  std::string begin(8, '\0');
  begin[0] = static_cast<char>(role >> 8);
  begin[1] = static_cast<char>(role & 0xff);
  begin[2] = keep_connection ? 1 : 0;
  return fcgi_record(1, id, begin) +
         fcgi_record(4, id,
                     fcgi_pairs({{"REQUEST_METHOD", method},
                                 {"REQUEST_URI", uri},
                                 {"SCRIPT_NAME", uri},
                                 {"SERVER_PROTOCOL", "HTTP/1.1"}})) +
         fcgi_record(4, id, "") + fcgi_record(5, id, "");
}

FcgiConnection::FcgiConnection(int port) : FcgiConnection("127.0.0.1", port) {}

FcgiConnection::FcgiConnection(const std::string& host, int port) {
  sockaddr_storage address{};
  socklen_t length = 0;
  const auto port_bytes = htons(static_cast<std::uint16_t>(port));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = port_bytes;
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = port_bytes;
    length = sizeof *v6;
  } else {
    throw std::runtime_error("not a numeric address: " + host);
  }
  fd_ = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot connect to the responder");
  }
}

FcgiConnection::~FcgiConnection() { ::close(fd_); }

bool FcgiConnection::send(const std::string& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    ssize_t written = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (written <= 0) return false;
    at += static_cast<std::size_t>(written);
  }
  return true;
}

std::vector<FcgiConnection::Record> FcgiConnection::read_records(
    std::size_t end_records, std::chrono::milliseconds timeout) {
  std::vector<Record> records;
  std::size_t ends = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (ends < end_records) {
    while (buffer_.size() >= 8) {
      const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data());
      const std::size_t length = h[4] << 8 | h[5];
      const std::size_t total = 8 + length + h[6];
      if (buffer_.size() < total) break;
      records.push_back(
          {h[1], static_cast<std::uint16_t>(h[2] << 8 | h[3]), buffer_.substr(8, length)});
      if (h[1] == kEndRequest || h[1] == kGetValuesResult || h[1] == kUnknownType) ++ends;
      buffer_.erase(0, total);
    }
    if (ends >= end_records) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
    char chunk[65536];
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) break;
    buffer_.append(chunk, static_cast<std::size_t>(got));
  }
  return records;
}

bool FcgiConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    if (::recv(fd_, chunk, sizeof chunk, 0) <= 0) return true;
  }
}

std::map<std::uint16_t, std::string> stdout_by_id(
    const std::vector<FcgiConnection::Record>& records) {
  std::map<std::uint16_t, std::string> out;
  for (const auto& record : records) {
    if (record.type == 6) out[record.id] += record.content;
  }
  return out;
}

}  // namespace imgcache::testing
