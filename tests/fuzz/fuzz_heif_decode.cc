// Fuzzes the decoding of AVIF and HEIC files by libheif (core/imaging/heif_decode.h) through
// the whole render path (tests/fuzz/fuzz_render.h): bytes of other formats are skipped, so
// the fuzzer spends its time inside ISO-BMFF boxes and coded pictures.
#include <cstdint>
#include <string>

#include "core/imaging/image_header.h"
#include "tests/fuzz/fuzz_render.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto format = imgcache::sniff_format(bytes);
  if (format != imgcache::ImageFormat::avif && format != imgcache::ImageFormat::heic) return 0;
  imgcache::fuzz::render_or_refuse(bytes, [] {});
  return 0;
}
