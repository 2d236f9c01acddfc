// The geometry of a resize plan (core/imaging/resize_plan.h) applied to a GraphicsMagick
// image: scaled by imgcache's own resampler, rotated, trimmed, sharpened.
#pragma once

#include "core/imaging/magick_frames.h"
#include "core/imaging/resize_plan.h"

namespace imgcache {

// Scales to plan.scaled (unless already that size), rotates, trims to plan.output and
// sharpens by `sharpen` percent. Throws Magick::Exception.
void apply_plan(Magick::Image& image, const ResizePlan& plan, ResizeFilter filter,
                unsigned sharpen);

}  // namespace imgcache
