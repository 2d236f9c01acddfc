// JPEG XL output, encoded by libjxl: 8-bit RGB or RGBA pixels, lossy (VarDCT in the XYB
// colour space, alpha kept) below quality 100 and lossless at 100, sRGB tagged unless a
// colour profile is given, a still picture or an animation, on one thread.
#pragma once

#include <span>
#include <string>

#include "core/imaging/picture.h"

namespace imgcache {

// The Butteraugli distance (0 lossless, 1 visually lossless, up to 15) of `quality`
// 1..100, as libjxl maps the quality of cjxl (which roughly matches libjpeg's):
// 0.1 + (100 - q) × 0.09 from 30 up, a steeper curve below, 0 at 100.
float jxl_distance(unsigned quality);

// The JPEG XL file (a bare codestream) of `picture` at `quality` (1..100) and encoder
// `effort` (1 fastest to 9 smallest). Throws Error(internal) when libjxl fails.
std::string encode_jxl(const StillPicture& picture, unsigned quality, unsigned effort);

// An animated JPEG XL of `frames`, all of one size and all with alpha or all without, frame
// i shown for durations_ms[i], played `loops` times (0: forever).
std::string encode_jxl_animation(std::span<const StillPicture> frames,
                                 std::span<const unsigned> durations_ms, unsigned loops,
                                 unsigned quality, unsigned effort);

}  // namespace imgcache
