// ICC colour profiles of source images, judged by Little CMS before anything uses them. A
// profile counts only if it is at most kMaxIccProfileSize bytes, parses, is a device or
// colour-space profile and can be converted to sRGB; anything else is ignored and the
// pixels are taken as sRGB, so a client's garbage profile never fails a request.
// Pure functions of the bytes; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace imgcache {

inline constexpr std::size_t kMaxIccProfileSize = 1 << 20;

enum class IccColourSpace { rgb, grey, cmyk };

struct IccProfile {
  bool usable = false;  // all the rest is meaningful only when true
  IccColourSpace colour_space = IccColourSpace::rgb;
  bool srgb = false;  // converting to sRGB would change no 8-bit value: the tag can just go
};

IccProfile inspect_icc_profile(std::string_view bytes);

// Little CMS's sRGB profile: what pixels are converted to.
const std::string& srgb_icc_profile();

}  // namespace imgcache
