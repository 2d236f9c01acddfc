// What the decoders that resize while they decode (libjpeg, libpng, libwebp) are compared
// with: GraphicsMagick's own decode of the whole file, resized by the same resampler.
#pragma once

#include <Magick++.h>

#include <optional>
#include <string>

#include "core/imaging/vocabulary.h"

namespace imgcache::testing {

// The file decoded by GraphicsMagick (its warnings about ancillary data let pass).
Magick::Image read_image(const std::string& bytes);
// The image written in `format` (8 bits a sample unless the format says otherwise).
std::string encoded_as(Magick::Image image, const char* format);
// The whole file decoded by GraphicsMagick, then resized to `to` (Mitchell), as a PNG.
std::string reference_resize(const std::string& bytes, Size to);
// The PNG with a transparent background, half of it seen through a half-transparent brown
// veil (colours whose premultiplied values differ from their own).
Magick::Image veiled_image(unsigned width, unsigned height);
// The PNG of what a decoder gave, which must be exactly `to`; empty when it gave nothing.
std::string checked_png(const std::optional<Magick::Image>& image, Size to);

}  // namespace imgcache::testing
