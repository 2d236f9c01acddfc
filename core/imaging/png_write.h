// PNG output, written by imgcache itself, a row at a time: truecolour rows filtered as
// libpng's adaptive heuristic chooses (per row, the filter whose output has the least sum
// of magnitudes) and compressed by zlib with two strategies at once, the smaller stream
// kept; palette rows unfiltered. Only IHDR, PLTE, tRNS, iCCP, IDAT and IEND are written:
// no text, time or background chunks.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace imgcache {

// PNG colour types.
enum class PngColour : unsigned char { grey = 0, rgb = 2, palette = 3, grey_alpha = 4, rgba = 6 };

// Samples a pixel: 1 (grey, palette) to 4 (RGBA).
unsigned png_samples(PngColour colour);

struct PngPaletteEntry {
  unsigned char red = 0, green = 0, blue = 0, alpha = 255;
};

// Fills `row` with row `y` (rows are asked for top to bottom, once each): width × samples
// a pixel × depth / 8 bytes, samples of 16 bits big-endian; for a palette, one index a
// pixel.
using PngRowReader = std::function<void(unsigned y, std::span<unsigned char> row)>;

struct PngImage {
  unsigned width = 0;
  unsigned height = 0;
  PngColour colour = PngColour::rgb;
  unsigned depth = 8;  // bits a sample: 8, or 16 when not a palette
  PngRowReader read_row;
  std::span<const PngPaletteEntry> palette;  // colour palette only: 1 to 256 entries
  std::string_view icc_profile;              // written as iCCP when not empty
};

// The PNG file of `image` at zlib's compression `level`, from 1 (fastest) to 9 (smallest).
// Throws Error(internal) when zlib fails.
std::string write_png(const PngImage& image, int level);

}  // namespace imgcache
