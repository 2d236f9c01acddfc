// The picture the encoders of AVIF and JPEG XL take: one frame of 8-bit RGB or RGBA
// samples, with the colour profile to keep, if any.
#pragma once

#include <span>
#include <string_view>

namespace imgcache {

struct StillPicture {
  unsigned width = 0;
  unsigned height = 0;
  bool alpha = false;                     // pixels are RGBA, else RGB
  std::span<const unsigned char> pixels;  // rows top to bottom, without padding
  std::string_view icc_profile;           // an RGB profile kept in the file when not empty
};

}  // namespace imgcache
