// Fuzzes format sniffing and decoding with tight limits: any bytes either give an image
// within the limits or Error(unsupported_image); nothing else, and no crash. The DC picture
// of a progressive JPEG (decoded for thumbnails of 1/16 the source or less) is either
// nothing or a whole picture of the size its frame header gives.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/imaging/image_header.h"
#include "core/imaging/imaging.h"
#include "core/imaging/jpeg_scaled_picture.h"

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
  static const imgcache::RenderOptions options{
      .limits = {.max_source_pixels = 1'000'000, .max_frames = 8}};
  static const bool ready = (imgcache::init_imaging(options.limits, 1), true);
  (void)ready;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  imgcache::Operation op;
  op.width = 32;
  op.height = 32;
  try {
    imgcache::probe_image(bytes, options.limits,
                          options.auto_orient);  // a known format within the pixel limit
    check_dc_picture(bytes);
    imgcache::EncodedImage image = imgcache::render_image(bytes, op, {}, options);
    if (image.width == 0 || image.height == 0) std::abort();
  } catch (const imgcache::Error& e) {
    // internal would be a 500 for a bad image: a bug, not an answer.
    if (e.code() != imgcache::Errc::unsupported_image) std::abort();
  }
  return 0;
}
