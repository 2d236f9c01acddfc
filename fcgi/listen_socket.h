// Opens the responder's listening socket: "HOST:PORT" (IPv4 or [IPv6]), ":PORT" (all
// interfaces) or "unix:PATH" (mode 0666, a stale socket file replaced). Throws
// Error(bad_config) naming the address and the reason when it cannot.
#pragma once

#include <string>

namespace imgcache {

int open_listen_socket(const std::string& listen, int backlog);

}  // namespace imgcache
