// AVIF output, encoded by libavif with its AV1 encoder (libaom in Debian's build): 8-bit
// RGB or RGBA pixels converted to 4:2:0 YUV (full range, BT.601 matrix, sRGB colour
// tagged unless a colour profile is given), alpha kept as a lossless alpha plane, on one
// thread.
#pragma once

#include <span>
#include <string>

#include "core/imaging/picture.h"

namespace imgcache {

// The AV1 quantiser (0 best to 63 worst) of `quality` 1..100, as libavif 1.0 maps its own
// quality setting: (100 - quality) × 63 / 100, rounded.
int avif_quantizer(unsigned quality);

// The AVIF file of `picture` at `quality` (1..100) and encoder `speed` (0 slowest and
// smallest to 10 fastest). Throws Error(internal) when libavif fails.
std::string encode_avif(const StillPicture& picture, unsigned quality, unsigned speed);

// An animated AVIF (an image sequence) of `frames`, all of one size and all with alpha or
// all without, frame i shown for durations_ms[i]. It plays forever: libavif 0.11 writes no
// repetition count. The same frames give the same bytes: the headers' creation times are
// zeroed. Throws Error(internal) when libavif fails.
std::string encode_avif_sequence(std::span<const StillPicture> frames,
                                 std::span<const unsigned> durations_ms, unsigned quality,
                                 unsigned speed);

}  // namespace imgcache
