#include "core/address_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

namespace imgcache {
namespace {

bool is_internal_v4(std::uint32_t ip) {
  auto in = [ip](std::uint32_t network, int bits) {
    std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (ip & mask) == network;
  };
  return in(0x00000000, 8) ||   // 0.0.0.0/8
         in(0x0a000000, 8) ||   // 10/8
         in(0x64400000, 10) ||  // 100.64/10 (CGNAT)
         in(0x7f000000, 8) ||   // 127/8
         in(0xa9fe0000, 16) ||  // 169.254/16 (link-local, cloud metadata)
         in(0xac100000, 12) ||  // 172.16/12
         in(0xc0a80000, 16) ||  // 192.168/16
         in(0xe0000000, 3);     // multicast and reserved
}

std::uint32_t v4_at(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
}

bool is_internal_v6(const in6_addr& ip) {
  const std::uint8_t* b = ip.s6_addr;
  // IPv6 forms that carry an IPv4 address are judged by it: IPv4-mapped (::ffff:0:0/96),
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
  static const std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const std::uint8_t kNat64Prefix[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMappedPrefix, 12) == 0 || std::memcmp(b, kNat64Prefix, 12) == 0) {
    return is_internal_v4(v4_at(b + 12));
  }
  if (b[0] == 0x20 && b[1] == 0x02) return is_internal_v4(v4_at(b + 2));
  static const std::uint8_t kZero[15] = {};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
  return (b[0] & 0xfe) == 0xfc ||                    // fc00::/7 unique local
         (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||  // fe80::/10 link-local
         b[0] == 0xff;                               // multicast
}

}  // namespace

bool is_internal_address(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return is_internal_v4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    return is_internal_v6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return true;
}

bool host_is_internal(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  bool internal = false;
  for (addrinfo* a = found; a; a = a->ai_next)
    internal = internal || is_internal_address(a->ai_addr);
  ::freeaddrinfo(found);
  return internal;
}

}  // namespace imgcache
