// PNG output, written by imgcache itself: truecolour rows filtered as libpng's adaptive
// heuristic chooses (per row, the filter whose output has the least sum of magnitudes),
// palette rows unfiltered, and the whole image compressed in one call by libdeflate, which
// is several times faster than zlib and makes smaller streams at the same level. Only
// IHDR, PLTE, tRNS, iCCP, IDAT and IEND are written: no text, time or background chunks.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace imgcache {

// PNG colour types.
enum class PngColour : unsigned char { grey = 0, rgb = 2, palette = 3, grey_alpha = 4, rgba = 6 };

struct PngPaletteEntry {
  unsigned char red = 0, green = 0, blue = 0, alpha = 255;
};

struct PngImage {
  unsigned width = 0;
  unsigned height = 0;
  PngColour colour = PngColour::rgb;
  unsigned depth = 8;  // bits a sample: 8, or 16 (samples big-endian) when not a palette
  // Rows top to bottom, without padding: width × samples a pixel × depth / 8 bytes each;
  // for a palette, one index a pixel.
  std::span<const unsigned char> pixels;
  std::span<const PngPaletteEntry> palette;  // colour palette only: 1 to 256 entries
  std::string_view icc_profile;              // written as iCCP when not empty
};

// Highest compression level: `level` runs from 1 (fastest) to this (smallest).
inline constexpr int kPngMaxLevel = 12;

// The PNG file of `image` at compression `level` (1 to kPngMaxLevel). Throws
// Error(internal) when libdeflate cannot start.
std::string write_png(const PngImage& image, int level);

}  // namespace imgcache
