// 8-bit samples as the resampler's pixels (core/imaging/resample.h), for the decoders that
// feed it rows of bytes (libjpeg, libwebp). Four-byte pixels come in GraphicsMagick's
// colour order (BGRA where it keeps pixels so, else RGBA), colour premultiplied by alpha.
#pragma once

#include <Magick++.h>

#include <cstddef>
#include <span>

#include "core/imaging/resample.h"

namespace imgcache {

inline constexpr float kByteScale = 1.0f / 255.0f;

// Four bytes a pixel map one to one.
inline void quads_to_pixels(const unsigned char* quads, std::span<float> row) {
  for (std::size_t i = 0; i < row.size(); ++i) row[i] = quads[i] * kByteScale;
}

inline void grey_to_pixels(const unsigned char* grey, std::span<float> row) {
  for (std::size_t i = 0; i < row.size(); i += kResampleChannels) {
    const float level = *grey++ * kByteScale;
    row[i] = row[i + 1] = row[i + 2] = level;
    row[i + 3] = 1.0f;
  }
}

// Three bytes a pixel in R, G, B order, opaque.
inline void rgb_to_pixels(const unsigned char* rgb, std::span<float> row) {
  for (std::size_t i = 0; i < row.size(); i += kResampleChannels, rgb += 3) {
#if defined(MAGICK_PIXELS_BGRA)
    row[i] = rgb[2] * kByteScale;
    row[i + 2] = rgb[0] * kByteScale;
#else
    row[i] = rgb[0] * kByteScale;
    row[i + 2] = rgb[2] * kByteScale;
#endif
    row[i + 1] = rgb[1] * kByteScale;
    row[i + 3] = 1.0f;
  }
}

}  // namespace imgcache
