// Fuzzes the cache entry metadata reader: parse_meta never crashes, and what it accepts
// formats and parses back to the same text.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/cache_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto meta = imgcache::parse_meta(text);
  if (!meta) return 0;
  if (meta->key.find('\n') != std::string::npos) std::abort();
  std::string formatted = imgcache::format_meta(*meta);
  auto again = imgcache::parse_meta(formatted);
  if (!again || imgcache::format_meta(*again) != formatted) std::abort();
  return 0;
}
