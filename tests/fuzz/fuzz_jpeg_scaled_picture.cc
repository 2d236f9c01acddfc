// Fuzzes the decoder of a progressive JPEG's low-frequency scans
// (core/imaging/jpeg_scaled_picture.h) on its own, at 1/8, 1/4 and 1/2, far faster than
// through the whole pipeline: any bytes give nothing or a whole picture of the size the
// frame header gives, and never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.h"
#include "core/imaging/image_header.h"
#include "core/imaging/jpeg_scaled_picture.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  imgcache::ImageHeader header;
  try {
    header = imgcache::read_image_header(bytes);
  } catch (const imgcache::Error&) {
    return 0;  // not an image: the pipeline never gets this far
  }
  // The pipeline checks max_source_pixels first; a small limit keeps runs fast.
  if (!header.size_known() || std::uint64_t{header.width} * header.height > 16'000'000) return 0;
  for (unsigned denominator : {8u, 4u, 2u}) {
    for (bool rgb : {false, true}) {
      if (auto picture = imgcache::progressive_jpeg_picture(bytes, denominator, rgb)) {
        const std::size_t channels = picture->grey() ? 1 : 3;
        const unsigned scale = 8 / denominator;
        if (picture->width() != (header.width * scale + 7) / 8 ||
            picture->height() != (header.height * scale + 7) / 8 ||
            picture->samples().size() !=
                std::size_t{picture->width()} * picture->height() * channels) {
          std::abort();
        }
      }
    }
  }
  return 0;
}
