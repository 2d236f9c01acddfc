// Pictures as 8-bit RGB or RGBA samples with their colour profile, what the codecs imgcache
// drives itself exchange: a StillPicture shows samples held elsewhere (the AVIF and JPEG XL
// encoders take one), a DecodedPicture holds its own (the AVIF, HEIC and JPEG XL decoders
// give one, upright).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imgcache {

template <typename Samples, typename Profile>
struct BasicPicture {
  unsigned width = 0;
  unsigned height = 0;
  bool alpha = false;   // samples are RGBA, else RGB
  Samples pixels;       // rows top to bottom, without padding
  Profile icc_profile;  // empty when there is none
};

using StillPicture = BasicPicture<std::span<const unsigned char>, std::string_view>;
using DecodedPicture = BasicPicture<std::vector<unsigned char>, std::string>;

}  // namespace imgcache
