// The colour profile of a PNG (its iCCP chunk), taken out of the file before decoding. libpng
// warns about a malformed profile and a decoder warning fails the image, so the decoder
// never sees the chunk: the pipeline judges the profile itself (core/imaging/icc_profile.h).
// Pure functions over a byte buffer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imgcache {

struct PngWithoutProfile {
  std::string png;      // the file without its iCCP chunk
  std::string profile;  // the profile, inflated; empty when it does not inflate or would
                        // pass kMaxIccProfileSize
};

// nullopt when the PNG has no iCCP chunk before its image data.
std::optional<PngWithoutProfile> take_png_profile(std::string_view png);

}  // namespace imgcache
