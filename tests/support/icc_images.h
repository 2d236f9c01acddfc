// Colour profiles for tests, made with Little CMS, and images carrying them: the profile
// goes into the file as its format stores it (JPEG APP2 "ICC_PROFILE" segments, a PNG
// iCCP chunk), byte for byte, whether it is a valid profile or not.
#pragma once

#include <cstddef>
#include <string>

namespace imgcache::testing {

// Adobe RGB (1998): its primaries, D65 white and a gamma of 563/256. With `padded_to`
// larger than the profile, a private tag fills it to that many bytes (still valid).
std::string adobe_rgb_profile(std::size_t padded_to = 0);
// Little CMS's sRGB profile.
std::string srgb_profile();
// `size` bytes that start like a profile (length field, "acsp") and are garbage after.
std::string garbage_profile(std::size_t size);

// A smooth, saturated image (hue across, lightness down) whose colours differ visibly
// between Adobe RGB and sRGB; PNG is lossless, JPEG at quality 95.
std::string make_colourful_png(unsigned width, unsigned height);
std::string make_colourful_jpeg(unsigned width, unsigned height);

// The image with `profile` embedded; any profile it had is not removed.
std::string with_jpeg_icc(const std::string& jpeg, const std::string& profile);
std::string with_png_icc(const std::string& png, const std::string& profile);

// The 8-bit RGB value of the pixel at (x, y), the profile ignored.
struct Rgb {
  double r = 0, g = 0, b = 0;
};
Rgb pixel_at(const std::string& image, unsigned x, unsigned y);

// `colour` in `profile`'s space converted to sRGB by Little CMS (relative colorimetric).
Rgb to_srgb(const std::string& profile, Rgb colour);

// CIE 1976 colour difference of two sRGB colours.
double delta_e76(Rgb a, Rgb b);

}  // namespace imgcache::testing
