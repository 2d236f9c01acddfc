// Fuzzes format sniffing and decoding with tight limits: any bytes either give an image
// within the limits or Error(unsupported_image); nothing else, and no crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/image_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const imgcache::Config config = [] {
    imgcache::Config c;
    c.max_source_pixels = 1'000'000;
    c.max_frames = 8;
    return c;
  }();
  static const bool ready = (imgcache::init_image_library(config, 1), true);
  (void)ready;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  imgcache::Operation op;
  op.width = 32;
  op.height = 32;
  try {
    imgcache::probe_image(bytes, config);
    imgcache::EncodedImage image = imgcache::process_image(bytes, op, std::nullopt, config);
    if (image.width == 0 || image.height == 0) std::abort();
  } catch (const imgcache::Error& e) {
    if (e.code() != imgcache::Errc::unsupported_image && e.code() != imgcache::Errc::internal) {
      std::abort();
    }
  }
  return 0;
}
