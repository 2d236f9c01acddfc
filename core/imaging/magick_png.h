// A GraphicsMagick image written as PNG by png_write: in the smallest colour type that
// keeps every pixel (grey when all pixels are grey, alpha only when some pixel is not
// opaque), 16 bits a sample when the image has them, with its colour profile if any.
#pragma once

#include <string>

#include "core/imaging/magick_frames.h"

namespace imgcache {

// The PNG of `image` at zlib's compression `level` (1 to 9).
std::string encode_png(Magick::Image& image, int level);

}  // namespace imgcache
