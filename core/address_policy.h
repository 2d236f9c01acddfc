// Which network addresses count as internal (loopback, private, link-local, CGNAT,
// multicast, unspecified; IPv4 and IPv6, incl. the IPv4 inside IPv4-mapped, NAT64 and
// 6to4 addresses). The fetcher refuses to connect to them unless the configured origin
// itself is internal, so a redirect or a DNS answer cannot turn imgcache against the
// machine's own network.
#pragma once

#include <sys/socket.h>

#include <string>

namespace imgcache {

bool is_internal_address(const sockaddr* address);
// True if any address the host name resolves to is internal; false if it cannot be
// resolved (so a DNS failure at start-up never lifts the confinement).
bool host_is_internal(const std::string& host);

}  // namespace imgcache
