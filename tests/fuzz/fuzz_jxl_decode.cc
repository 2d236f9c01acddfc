// Fuzzes the decoding of JPEG XL files by libjxl (core/imaging/jxl_decode.h) through the
// whole render path (tests/fuzz/fuzz_render.h): bytes of other formats are skipped.
#include <cstdint>
#include <string>

#include "core/imaging/image_header.h"
#include "tests/fuzz/fuzz_render.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  if (imgcache::sniff_format(bytes) != imgcache::ImageFormat::jxl) return 0;
  imgcache::fuzz::render_or_refuse(bytes, [] {});
  return 0;
}
