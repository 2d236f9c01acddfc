#include "core/address_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace imgcache {
namespace {

bool internal(const std::string& text) {
  sockaddr_storage storage{};
  if (text.find(':') == std::string::npos) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    EXPECT_EQ(::inet_pton(AF_INET, text.c_str(), &v4->sin_addr), 1) << text;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    EXPECT_EQ(::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr), 1) << text;
  }
  return is_internal_address(reinterpret_cast<const sockaddr*>(&storage));
}

TEST(AddressPolicy, InternalAddressesAreRefused) {
  for (const char* address : {"0.0.0.0",
                              "10.1.2.3",
                              "100.64.0.1",
                              "100.127.255.254",
                              "127.0.0.1",
                              "127.255.0.9",
                              "169.254.169.254",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "224.0.0.1",
                              "239.255.255.250",
                              "255.255.255.255",
                              "::",
                              "::1",
                              "fc00::1",
                              "fd12:3456::1",
                              "fe80::1",
                              "ff02::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.0.0.1",
                              "::ffff:169.254.169.254",
                              "64:ff9b::7f00:1",
                              "64:ff9b::a9fe:a9fe",
                              "2002:7f00:1::1",
                              "2002:c0a8:101::"}) {
    EXPECT_TRUE(internal(address)) << address;
  }
}

TEST(AddressPolicy, PublicAddressesAreAllowed) {
  for (const char* address :
       {"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.15.255.255",
        "172.32.0.1", "192.167.255.255", "192.169.0.1", "223.255.255.255", "2001:4860:4860::8888",
        "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}) {
    EXPECT_FALSE(internal(address)) << address;
  }
}

TEST(AddressPolicy, OtherFamiliesAreRefused) {
  sockaddr unix_address{};
  unix_address.sa_family = AF_UNIX;
  EXPECT_TRUE(is_internal_address(&unix_address));
}

TEST(AddressPolicy, AnOriginHostLiftsTheRuleOnlyIfItResolvesInternal) {
  EXPECT_TRUE(host_is_internal("127.0.0.1"));
  EXPECT_TRUE(host_is_internal("localhost"));
  EXPECT_FALSE(host_is_internal("192.0.2.1"));             // TEST-NET-1: public, never resolved
  EXPECT_FALSE(host_is_internal("no-such-host.invalid"));  // unresolvable keeps the rule
}

}  // namespace
}  // namespace imgcache
