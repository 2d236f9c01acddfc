// Fuzzes the /image/ grammar: parse_image_request either throws Error(bad_request) or
// returns a request whose canonical form parses back to the same canonical form and whose
// source path has no way out of the origin.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/cache_layout.h"
#include "core/error.h"
#include "core/image_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  imgcache::Config config;
  std::string path(reinterpret_cast<const char*>(data), size);
  try {
    imgcache::ImageRequest request = imgcache::parse_image_request(path, config);
    const std::string& source = request.source_path;
    if (source.empty() || source.front() == '/' || source.find("//") != std::string::npos ||
        source == ".." || source.rfind("../", 0) == 0 || source.find("/../") != std::string::npos ||
        (source.size() >= 3 && source.compare(source.size() - 3, 3, "/..") == 0) ||
        source.find('\\') != std::string::npos || source.find('\0') != std::string::npos) {
      std::abort();  // an escaping path was accepted
    }
    if (!request.info) {
      std::string canonical = request.operation.canonical();
      if (imgcache::parse_operation(canonical, config).canonical() != canonical) std::abort();
    }
    imgcache::cache_key(config.origin, request, {});
  } catch (const imgcache::Error& e) {
    if (e.code() != imgcache::Errc::bad_request) std::abort();
  }
  return 0;
}
