#include "core/imaging/magick_png.h"

#include <Magick++.h>

#include <cstdint>

#include "core/imaging/magick_colour.h"
#include "core/imaging/magick_pixels.h"
#include "core/imaging/png_write.h"

namespace imgcache {
namespace {

// A quantum as 16 bits.
std::uint16_t sixteen_bits(MagickLib::Quantum quantum) {
  return static_cast<std::uint16_t>(quantum * 65535ULL / MaxRGB);
}

// Writes the samples of `pixels` as `colour` at `depth` bits into `row`.
void put_samples(std::span<const MagickLib::PixelPacket> pixels, PngColour colour, bool deep,
                 std::span<unsigned char> row) {
  unsigned char* out = row.data();
  auto put = [&](MagickLib::Quantum quantum) {
    if (deep) {
      const std::uint16_t value = sixteen_bits(quantum);
      *out++ = static_cast<unsigned char>(value >> 8);
      *out++ = static_cast<unsigned char>(value);
    } else {
      *out++ = eight_bit_sample(quantum);
    }
  };
  const bool grey = colour == PngColour::grey || colour == PngColour::grey_alpha;
  const bool alpha = colour == PngColour::grey_alpha || colour == PngColour::rgba;
  for (const MagickLib::PixelPacket& pixel : pixels) {
    put(pixel.red);
    if (!grey) {
      put(pixel.green);
      put(pixel.blue);
    }
    if (alpha) put(static_cast<MagickLib::Quantum>(MaxRGB - pixel.opacity));
  }
}

}  // namespace

std::string encode_png(Magick::Image& image, int level) {
  const bool grey = is_grey(image);
  const bool alpha = !is_opaque(image);
  const bool deep = image.depth() > 8;
  const PngColour colour = grey ? (alpha ? PngColour::grey_alpha : PngColour::grey)
                                : (alpha ? PngColour::rgba : PngColour::rgb);
  const auto width = static_cast<unsigned>(image.columns());
  const Magick::Blob icc = image.iccColorProfile();
  return write_png({.width = width,
                    .height = static_cast<unsigned>(image.rows()),
                    .colour = colour,
                    .depth = deep ? 16u : 8u,
                    .read_row =
                        [&](unsigned y, std::span<unsigned char> row) {
                          const MagickLib::PixelPacket* pixels =
                              image.getConstPixels(0, y, width, 1);
                          put_samples({pixels, width}, colour, deep, row);
                        },
                    .icc_profile = {static_cast<const char*>(icc.data()), icc.length()}},
                   level);
}

}  // namespace imgcache
