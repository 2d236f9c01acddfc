#include "fcgi/listen_socket.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace imgcache {
namespace {

[[noreturn]] void fail(const std::string& listen, const std::string& why) {
  throw Error(Errc::bad_config, "cannot listen on " + listen + ": " + why);
}

int bind_and_listen(int fd, const sockaddr* address, socklen_t length, int backlog) {
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, address, length) != 0 || ::listen(fd, backlog) != 0) {
    int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

int open_unix(const std::string& listen, const std::string& path, int backlog) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) fail(listen, "bad socket path");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 ||
      bind_and_listen(fd, reinterpret_cast<sockaddr*>(&address), sizeof address, backlog) < 0) {
    fail(listen, std::strerror(errno));
  }
  ::chmod(path.c_str(), 0666);  // the web server's workers usually run as another user
  return fd;
}

int open_tcp(const std::string& listen, int backlog) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) fail(listen, "expected HOST:PORT, :PORT or unix:PATH");
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) fail(listen, ::gai_strerror(rc));
  int fd = -1;
  int error = 0;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    int candidate = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (candidate >= 0) fd = bind_and_listen(candidate, a->ai_addr, a->ai_addrlen, backlog);
    if (fd < 0) error = errno;
  }
  ::freeaddrinfo(found);
  if (fd < 0) fail(listen, std::strerror(error));
  return fd;
}

}  // namespace

int open_listen_socket(const std::string& listen, int backlog) {
  if (listen.rfind("unix:", 0) == 0) return open_unix(listen, listen.substr(5), backlog);
  return open_tcp(listen, backlog);
}

}  // namespace imgcache
