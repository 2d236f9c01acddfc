// PNG output (core/imaging/png_write.h, core/imaging/magick_png.h): every colour type and
// depth read back by GraphicsMagick with exactly the samples written, the palette and its
// transparency, the colour profile, only the chunks that carry the image, and the colour
// type a GraphicsMagick image is written in.
#include "core/imaging/png_write.h"

#include <Magick++.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/imaging/imaging.h"
#include "core/imaging/magick_png.h"
#include "tests/support/icc_images.h"

namespace imgcache {
namespace {

class PngWrite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }
};

constexpr unsigned kWidth = 61, kHeight = 47;

// Samples that take every filter somewhere: smooth ramps, flat runs and noise, in bands.
std::vector<std::uint16_t> pattern(std::size_t count, unsigned seed) {
  std::vector<std::uint16_t> out(count);
  std::uint32_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    switch (i / 997 % 3) {
      case 0:
        out[i] = static_cast<std::uint16_t>(i * 37);
        break;
      case 1:
        out[i] = static_cast<std::uint16_t>(i / 300 * 9000);
        break;
      default:
        out[i] = static_cast<std::uint16_t>(state >> 16);
    }
  }
  return out;
}

// The PNG's bytes as rows of `depth` bits a sample (big-endian at 16).
std::vector<unsigned char> bytes_of(const std::vector<std::uint16_t>& samples, unsigned depth) {
  std::vector<unsigned char> out;
  for (std::uint16_t sample : samples) {
    if (depth == 16) out.push_back(static_cast<unsigned char>(sample >> 8));
    out.push_back(static_cast<unsigned char>(depth == 16 ? sample : sample >> 8));
  }
  return out;
}

PngRowReader rows_of(const std::vector<unsigned char>& bytes, std::size_t stride) {
  return [&bytes, stride](unsigned y, std::span<unsigned char> row) {
    ASSERT_EQ(row.size(), stride);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(y * stride), stride, row.begin());
  };
}

// The chunk types of a PNG, in order.
std::vector<std::string> chunks_of(const std::string& png) {
  std::vector<std::string> types;
  for (std::size_t at = 8; at + 8 <= png.size();) {
    const auto length = static_cast<std::size_t>(static_cast<unsigned char>(png[at])) << 24 |
                        static_cast<std::size_t>(static_cast<unsigned char>(png[at + 1])) << 16 |
                        static_cast<std::size_t>(static_cast<unsigned char>(png[at + 2])) << 8 |
                        static_cast<unsigned char>(png[at + 3]);
    types.push_back(png.substr(at + 4, 4));
    at += 12 + length;
  }
  return types;
}

// IHDR's bit depth and colour type.
std::pair<int, int> depth_and_colour(const std::string& png) { return {png[24], png[25]}; }

// Every sample GraphicsMagick reads, 16 bits each, in the order of `map`.
std::vector<std::uint16_t> read_back(const std::string& png, const std::string& map) {
  Magick::Image image(Magick::Blob(png.data(), png.size()));
  EXPECT_EQ(image.columns(), kWidth);
  EXPECT_EQ(image.rows(), kHeight);
  std::vector<std::uint16_t> samples(std::size_t{kWidth} * kHeight * map.size());
  image.write(0, 0, kWidth, kHeight, map, Magick::ShortPixel, samples.data());
  return samples;
}

TEST_F(PngWrite, EveryColourTypeAndDepthReadsBackExactly) {
  const std::vector<std::pair<PngColour, std::string>> types = {{PngColour::grey, "R"},
                                                                {PngColour::grey_alpha, "RA"},
                                                                {PngColour::rgb, "RGB"},
                                                                {PngColour::rgba, "RGBA"}};
  for (const auto& [colour, map] : types) {
    for (unsigned depth : {8u, 16u}) {
      const std::size_t samples = std::size_t{kWidth} * kHeight * png_samples(colour);
      const std::vector<unsigned char> bytes = bytes_of(pattern(samples, depth), depth);
      const std::size_t stride = std::size_t{kWidth} * png_samples(colour) * depth / 8;
      for (int level : {1, 4, 9}) {
        const std::string png = write_png({.width = kWidth,
                                           .height = kHeight,
                                           .colour = colour,
                                           .depth = depth,
                                           .read_row = rows_of(bytes, stride)},
                                          level);
        const std::string what =
            map + " at " + std::to_string(depth) + " bits, level " + std::to_string(level);
        EXPECT_EQ(depth_and_colour(png),
                  std::make_pair(static_cast<int>(depth), static_cast<int>(colour)))
            << what;
        std::vector<std::uint16_t> expected = pattern(samples, depth);
        for (std::uint16_t& sample : expected) {
          if (depth == 8) sample = static_cast<std::uint16_t>((sample >> 8) * 257);
        }
        EXPECT_EQ(read_back(png, map), expected) << what;
      }
    }
  }
}

TEST_F(PngWrite, WritesOnlyTheChunksOfTheImage) {
  const std::vector<unsigned char> bytes = bytes_of(pattern(kWidth * kHeight * 3, 7), 8);
  const std::string profile = testing::srgb_profile();
  const std::string png = write_png({.width = kWidth,
                                     .height = kHeight,
                                     .colour = PngColour::rgb,
                                     .read_row = rows_of(bytes, kWidth * 3),
                                     .icc_profile = profile},
                                    4);
  EXPECT_EQ(chunks_of(png), (std::vector<std::string>{"IHDR", "iCCP", "IDAT", "IEND"}));
  Magick::Image image(Magick::Blob(png.data(), png.size()));
  const Magick::Blob icc = image.iccColorProfile();
  EXPECT_EQ(std::string(static_cast<const char*>(icc.data()), icc.length()), profile);
}

TEST_F(PngWrite, APaletteKeepsItsColoursAndTransparency) {
  const std::vector<PngPaletteEntry> palette = {
      {255, 0, 0, 0}, {0, 255, 0, 128}, {0, 0, 255, 255}, {10, 20, 30, 255}};
  std::vector<unsigned char> indices(std::size_t{kWidth} * kHeight);
  for (std::size_t i = 0; i < indices.size(); ++i)
    indices[i] = static_cast<unsigned char>(i % 7 % 4);
  const std::string png = write_png({.width = kWidth,
                                     .height = kHeight,
                                     .colour = PngColour::palette,
                                     .read_row = rows_of(indices, kWidth),
                                     .palette = palette},
                                    6);
  EXPECT_EQ(chunks_of(png), (std::vector<std::string>{"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}));
  EXPECT_EQ(depth_and_colour(png), std::make_pair(8, 3));
  // tRNS holds the alphas up to the last one below 255: two.
  EXPECT_EQ(png.substr(png.find("tRNS") - 4, 4), std::string("\0\0\0\2", 4));
  const std::vector<std::uint16_t> got = read_back(png, "RGBA");
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const PngPaletteEntry& entry = palette[indices[i]];
    ASSERT_EQ(got[4 * i + 3], entry.alpha * 257) << i;
    if (entry.alpha == 0) continue;  // a transparent pixel's colour is nobody's concern
    ASSERT_EQ(got[4 * i], entry.red * 257) << i;
    ASSERT_EQ(got[4 * i + 1], entry.green * 257) << i;
    ASSERT_EQ(got[4 * i + 2], entry.blue * 257) << i;
  }
}

// A GraphicsMagick image of kWidth × kHeight in `colour`, `depth` bits a sample.
Magick::Image magick_image(const std::string& colour, bool matte, unsigned depth) {
  Magick::Image image(Magick::Geometry(kWidth, kHeight), Magick::Color(colour));
  image.matte(matte);
  image.depth(depth);
  return image;
}

TEST_F(PngWrite, AnImageIsWrittenInTheSmallestColourTypeThatKeepsIt) {
  struct Case {
    Magick::Image image;
    std::pair<int, int> depth_and_colour;
  };
  Magick::Image translucent_grey = magick_image("grey40", true, 8);
  translucent_grey.opacity(MaxRGB / 2);
  Magick::Image translucent = magick_image("orange", true, 8);
  translucent.opacity(MaxRGB / 3);
  std::vector<Case> cases = {
      {magick_image("grey40", false, 8), {8, 0}},
      {translucent_grey, {8, 4}},
      {magick_image("orange", false, 8), {8, 2}},
      {magick_image("orange", true, 8), {8, 2}},  // alpha, but every pixel opaque
      {translucent, {8, 6}},
      {magick_image("orange", false, 16), {16, 2}},
  };
  for (Case& c : cases) {
    const std::string png = encode_png(c.image, 4);
    EXPECT_EQ(depth_and_colour(png), c.depth_and_colour);
    Magick::Image back(Magick::Blob(png.data(), png.size()));
    EXPECT_EQ(back.pixelColor(3, 3), c.image.pixelColor(3, 3))
        << std::string(back.pixelColor(3, 3)) << " " << std::string(c.image.pixelColor(3, 3));
  }
}

}  // namespace
}  // namespace imgcache
