// Orientation, colour space and colour profiles of a decoded image: only a usable profile
// (core/imaging/icc_profile.h) in the colour space of the pixels survives, CMYK becomes
// sRGB, and profiled pixels are converted to sRGB unless the profile is kept.
#pragma once

#include "core/imaging/magick_frames.h"

namespace imgcache {

// What every re-encoded image gets first: EXIF orientation applied (auto_orient), metadata
// stripped but for a usable colour profile, CMYK converted to sRGB.
void normalise(Magick::Image& image, bool auto_orient);

// Pixels described by a colour profile become sRGB ones, and the profile goes. A profile
// GraphicsMagick cannot convert from after all is dropped too: the pixels count as sRGB.
void convert_to_srgb(Magick::Image& image);

// Whether every pixel is grey (GraphicsMagick keeps grey pixels in RGB, flagged or found
// grey by a scan).
bool is_grey(const Magick::Image& image);
// Whether every pixel is opaque (so also when the image has no alpha at all).
bool is_opaque(const Magick::Image& image);

// Grey pixels are written as a grey PNG, on which an RGB profile (kept by keep_icc) is
// wrong: the pixels stay, the profile goes.
void drop_rgb_profile_of_grey_png(Magick::Image& image);

}  // namespace imgcache
