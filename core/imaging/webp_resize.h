// A still WebP decoded by libwebp and resized (core/imaging/resample.h) without a
// GraphicsMagick decode: when the target is at most half the picture both ways, libwebp
// scales while decoding (an area average) to twice the target and the resampler does the
// rest (shrink-on-load, as the JPEG path does); otherwise the full picture is resampled.
// Alpha is kept (premultiplied, so transparent pixels lend no colour), and so is the colour
// profile.
#pragma once

#include <optional>
#include <string_view>

#include "core/imaging/magick_frames.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

// The WebP resized to exactly `target`. nullopt for an animation and for anything libwebp
// does not decode: GraphicsMagick's reader judges those.
std::optional<Magick::Image> read_webp_resized(std::string_view webp, Size target,
                                               ResizeFilter filter);

}  // namespace imgcache
