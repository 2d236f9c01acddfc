// Resizing a GraphicsMagick image with imgcache's own resampler (core/resample.h). The
// resampler's pixels keep the colour order of GraphicsMagick's (BGR on little-endian
// machines, else RGB).
#pragma once

#include <Magick++.h>

#include <memory>

#include "core/config.h"
#include "core/resample.h"
#include "core/resize_plan.h"

namespace imgcache {

// Replaces `image` by its resize to exactly `to`, keeping its other attributes (profiles,
// frame timing). Throws Magick::Exception.
void resize_image(Magick::Image& image, Size to, ResizeFilter filter);

// A GraphicsMagick image owned until a Magick::Image takes it.
using OwnedImage = std::unique_ptr<MagickLib::Image, decltype(&MagickLib::DestroyImage)>;

// Fills the pixels of `image` (opaque unless it has a matte channel) with the resampled
// rows of a picture of `from` that `read_row` gives, and hands the image to `image_out`.
// Throws Magick::Exception.
void resample_into(OwnedImage image, Size from, ResizeFilter filter, const ReadRow& read_row,
                   Magick::Image& image_out);

}  // namespace imgcache
