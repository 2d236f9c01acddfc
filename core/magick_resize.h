// Resizing a GraphicsMagick image with imgcache's own resampler (core/resample.h). The
// resampler's pixels keep the colour order of GraphicsMagick's (BGR on little-endian
// machines, else RGB).
#pragma once

#include <Magick++.h>

#include <span>

#include "core/config.h"
#include "core/resize_plan.h"

namespace imgcache {

// Replaces `image` by its resize to exactly `to`, keeping its other attributes (profiles,
// frame timing). Throws Magick::Exception.
void resize_image(Magick::Image& image, Size to, ResizeFilter filter);

// Stores output row `y` of the resampler in the pixels of `image` (opaque unless it has a
// matte channel). Throws Magick::Exception.
void store_resampled_row(MagickLib::Image* image, unsigned y, std::span<const float> row);

}  // namespace imgcache
