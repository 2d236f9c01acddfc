// A PNG decoded by libpng a row at a time straight into the resampler
// (core/imaging/resample.h), without GraphicsMagick's full-size 16-bit image: palette, grey
// and truecolour PNGs of up to 8 bits a sample, with or without alpha or tRNS, that are
// not interlaced and are made smaller. Alpha is kept (premultiplied, so transparent pixels
// lend no colour), and so is the colour profile.
#pragma once

#include <optional>
#include <string_view>

#include "core/imaging/magick_frames.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

// The PNG resized to exactly `target`. nullopt for what this path does not take (16-bit,
// interlaced, a target not smaller than the picture) and for anything libpng refuses:
// GraphicsMagick's reader judges those.
std::optional<Magick::Image> read_png_resized(std::string_view png, Size target,
                                              ResizeFilter filter);

}  // namespace imgcache
