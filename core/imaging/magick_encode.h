// Encoding decoded frames: JPEG flattened onto white, progressive when interlace is on;
// PNG at the configured zlib level or as a palette (png_quantize); GIF and WebP keep every
// frame, an animated WebP through libwebp (core/imaging/webp_animation.h). Qualities come
// from the operation, else the options.
#pragma once

#include <string>

#include "core/imaging/imaging.h"
#include "core/imaging/magick_frames.h"

namespace imgcache {

// The frames in `format`: all of them for GIF and WebP, the first one for the others.
// Throws Magick::Exception.
std::string encode_frames(Frames& frames, ImageFormat format, const Operation& op,
                          const RenderOptions& options);

}  // namespace imgcache
