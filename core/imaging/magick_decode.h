// Decoding into GraphicsMagick's images: each format by its own coder alone (naming it
// keeps GraphicsMagick from choosing another one by content), GIF frames bounded by
// max_frames, a still GIF's frame placed on its logical screen, PNG colour profiles read by
// imgcache (core/imaging/png_profile.h), JPEGs resized while decoding when libjpeg takes
// them (core/imaging/jpeg_resize.h); AVIF and HEIC by libheif, JPEG XL by libjxl.
#pragma once

#include <string_view>

#include "core/imaging/image_header.h"
#include "core/imaging/imaging.h"
#include "core/imaging/magick_frames.h"

namespace imgcache {

// The size a header-only decode finds; throws Error(unsupported_image).
Size ping_size(std::string_view source, ImageFormat format);

// Every frame (GIF) or the one image, a JPEG resized towards `target` (its size as
// stored) when that saves work. Throws Error(unsupported_image).
Frames decode_frames(std::string_view source, const ImageHeader& header, Size target,
                     const ImageLimits& limits, ResizeFilter filter);

}  // namespace imgcache
