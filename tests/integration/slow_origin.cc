#include "tests/integration/slow_origin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace imgcache::testing {
namespace {

constexpr int kMaxConnections = 64;

}  // namespace

SlowOrigin::SlowOrigin(std::chrono::milliseconds delay, std::string body)
    : delay_(delay), body_(std::move(body)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  ::listen(listener_, 16);
  acceptor_ = std::thread([this] { serve(); });
}

SlowOrigin::~SlowOrigin() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  for (std::thread& handler : handlers_) handler.join();
  ::close(listener_);
}

void SlowOrigin::serve() {
  for (int served = 0; served < kMaxConnections && !stopping_; ++served) {
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) return;
    handlers_.emplace_back([this, client] { answer(client); });
  }
}

void SlowOrigin::answer(int client) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  // Wait in small steps so destruction is not held up by a long delay.
  auto until = std::chrono::steady_clock::now() + delay_;
  while (!stopping_ && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string response = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                         std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
  ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
  ::close(client);
}

}  // namespace imgcache::testing
