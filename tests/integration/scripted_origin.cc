#include "tests/integration/scripted_origin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace imgcache::testing {
namespace {

constexpr int kMaxConnections = 256;

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

ScriptedReply http_reply(int status, const std::string& body, const std::string& extra_headers) {
  ScriptedReply reply;
  reply.raw = "HTTP/1.1 " + std::to_string(status) + " Scripted\r\n" + extra_headers +
              "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
              body;
  return reply;
}

ScriptedOrigin::Script delayed(std::chrono::milliseconds delay, std::string body) {
  return [delay, body = std::move(body)](const std::string&) {
    ScriptedReply reply = http_reply(200, body, "Content-Type: image/jpeg\r\n");
    reply.delay = delay;
    return reply;
  };
}

GatedOrigin::GatedOrigin(std::string body)
    : origin([gate = gate, body = std::move(body)](const std::string&) {
        ScriptedReply reply = http_reply(200, body, "Content-Type: image/jpeg\r\n");
        reply.gate = gate;
        return reply;
      }) {}

ScriptedOrigin::ScriptedOrigin(Script script) : script_(std::move(script)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  ::listen(listener_, 64);
  acceptor_ = std::thread([this] { serve(); });
}

ScriptedOrigin::~ScriptedOrigin() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  std::lock_guard lock(handlers_mutex_);
  for (std::thread& handler : handlers_) handler.join();
  ::close(listener_);
}

std::vector<std::string> ScriptedOrigin::requests() const {
  std::lock_guard lock(requests_mutex_);
  return requests_;
}

void ScriptedOrigin::serve() {
  for (int served = 0; served < kMaxConnections && !stopping_; ++served) {
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) return;
    std::lock_guard lock(handlers_mutex_);
    handlers_.emplace_back([this, client] { answer(client); });
  }
}

void ScriptedOrigin::answer(int client) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  {
    std::lock_guard lock(requests_mutex_);
    requests_.push_back(request.substr(0, request.find("\r\n\r\n")));
  }
  // "GET /path HTTP/1.1"
  auto start = request.find(' ') + 1;
  std::string path = request.substr(start, request.find(' ', start) - start);
  ScriptedReply reply = script_(path);
  // Wait in small steps so destruction is not held up by a long delay or a closed gate.
  auto gate_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!stopping_ && reply.gate.valid() && std::chrono::steady_clock::now() < gate_deadline &&
         reply.gate.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
  }
  auto until = std::chrono::steady_clock::now() + reply.delay;
  while (!stopping_ && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  switch (reply.mode) {
    case ScriptedReply::Mode::whole:
      send_all(client, reply.raw.data(), reply.raw.size());
      break;
    case ScriptedReply::Mode::drip:
      for (char c : reply.raw) {
        if (stopping_ || !send_all(client, &c, 1)) break;
        std::this_thread::sleep_for(reply.drip_interval);
      }
      break;
    case ScriptedReply::Mode::cut: {
      // Headers and half the body, then a reset (SO_LINGER 0 makes close send RST).
      send_all(client, reply.raw.data(), reply.raw.size() / 2);
      linger reset{1, 0};
      ::setsockopt(client, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      break;
    }
  }
  ::close(client);
}

}  // namespace imgcache::testing
