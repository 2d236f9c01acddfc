// Resizing a GraphicsMagick image with imgcache's own resampler (core/resample.h).
#pragma once

#include <Magick++.h>

#include "core/config.h"
#include "core/resize_plan.h"

namespace imgcache {

// Replaces `image` by its resize to exactly `to`, keeping its other attributes (profiles,
// frame timing). Throws Magick::Exception.
void resize_image(Magick::Image& image, Size to, ResizeFilter filter);

}  // namespace imgcache
