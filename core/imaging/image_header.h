// Recognises the image formats imgcache decodes (JPEG, PNG, GIF, WebP, and AVIF, HEIC and
// JPEG XL) by their magic bytes and reads the dimensions of the first four from the header,
// the way nginx's image_filter does, so that nothing else reaches a decoder and pixel
// limits are checked before decoding (the others' sizes come from their libraries'
// header reads, core/imaging/magick_decode.h's ping_size).
// Pure functions over a byte buffer.
#pragma once

#include <optional>
#include <string_view>

#include "core/imaging/vocabulary.h"

namespace imgcache {

struct ImageHeader {
  ImageFormat format = ImageFormat::jpeg;
  unsigned width = 0;  // 0 when the header does not tell
  unsigned height = 0;
  unsigned orientation = 1;     // EXIF orientation of a JPEG (1..8), else 1
  bool heavy_metadata = false;  // JPEG APP1..APP15 segments over 5 % of the file (nginx rule)
  bool cmyk = false;            // a four-component JPEG
  bool animated_webp = false;   // a WebP whose VP8X header sets the animation flag

  bool size_known() const { return width != 0 && height != 0; }
};

// The format named by the magic bytes, or nullopt for anything else.
std::optional<ImageFormat> sniff_format(std::string_view bytes);

// Format and header facts; throws Error(unsupported_image) if the bytes are not one of
// the formats.
ImageHeader read_image_header(std::string_view bytes);

}  // namespace imgcache
