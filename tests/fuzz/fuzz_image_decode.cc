// Fuzzes format sniffing and decoding with tight limits: any bytes either give an image
// within the limits or Error(unsupported_image); nothing else, and no crash. The DC scans
// of a progressive JPEG (decoded for thumbnails of 1/16 the source or less) are either
// nothing or a stream from SOI to EOI.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/image_pipeline.h"
#include "core/jpeg_dc_scans.h"

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
  if (auto dc = imgcache::progressive_jpeg_dc_scans(bytes)) {
    if (!dc->starts_with("\xff\xd8") || !dc->ends_with("\xff\xd9")) std::abort();
  }
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
