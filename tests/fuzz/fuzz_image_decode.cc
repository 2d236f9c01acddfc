// Fuzzes format sniffing and decoding (tests/fuzz/fuzz_render.h) of every format. The DC picture
// of a progressive JPEG (decoded for thumbnails of 1/16 the source or less) is either
// nothing or a whole picture of the size its frame header gives.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/imaging/image_header.h"
#include "core/imaging/jpeg_scaled_picture.h"
#include "tests/fuzz/fuzz_render.h"

namespace {

void check_dc_picture(const std::string& bytes) {
  const imgcache::ImageHeader header = imgcache::read_image_header(bytes);
  if (auto dc = imgcache::progressive_jpeg_picture(bytes, 8)) {
    const std::size_t channels = dc->grey() ? 1 : 3;
    if (dc->width() != (header.width + 7) / 8 || dc->height() != (header.height + 7) / 8 ||
        dc->samples().size() != std::size_t{dc->width()} * dc->height() * channels) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  imgcache::fuzz::render_or_refuse(bytes, [&] { check_dc_picture(bytes); });
  return 0;
}
