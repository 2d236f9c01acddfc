// Fuzzes token verification with both schemes: never crashes, and a token made by
// make_token for the fuzzed uri always verifies (or is expired when its expiry passed).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/sign.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto split = input.find('?');
  std::string uri = input.substr(0, split);
  std::string query = split == std::string::npos ? "" : input.substr(split + 1);
  for (auto scheme : {imgcache::SignScheme::md5, imgcache::SignScheme::hmac_sha256}) {
    const imgcache::SigningKeys keys{scheme, "fuzz-secret", "old"};
    imgcache::verify_token(keys, uri, query, 1'800'000'000);
    std::string good = "auth=" + imgcache::make_token(scheme, uri, 1'900'000'000, keys.secret) +
                       "&expires=1900000000";
    if (imgcache::verify_token(keys, uri, good, 1'800'000'000) != imgcache::Verdict::ok) {
      std::abort();
    }
    if (imgcache::verify_token(keys, uri, good, 2'000'000'000) != imgcache::Verdict::expired) {
      std::abort();
    }
  }
  return 0;
}
