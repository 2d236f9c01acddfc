// Hashes and encodings used by signing, cache keys and ETags (OpenSSL underneath).
// Pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imgcache {

std::string md5(std::string_view data);                                // 16 raw bytes
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string to_hex(std::string_view bytes);                            // lowercase
// base64url without padding ('-', '_'), as `openssl base64 | tr +/ -_ | tr -d =`.
std::string base64url(std::string_view bytes);
// Decodes base64url with the leniency of nginx's ngx_decode_base64url: stops at the first
// '=', rejects '+' and '/' and lengths of 1 mod 4, ignores unused low bits.
std::optional<std::string> decode_base64url(std::string_view text);
// Compares in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace imgcache
