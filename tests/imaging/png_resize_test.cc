// PNGs resized while libpng decodes them a row at a time (core/imaging/png_resize.h): the
// picture GraphicsMagick's reader and resize give, at the exact target size, for palette,
// grey and truecolour files with and without alpha, with the colour profile kept, and what
// this path does not take handed back.
#include "core/imaging/png_resize.h"

#include <Magick++.h>
#include <gtest/gtest.h>

#include "core/imaging/imaging.h"
#include "core/imaging/magick_pixels.h"
#include "tests/imaging/resize_reference.h"
#include "tests/support/icc_images.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::make_image;

class PngResize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }
};

// Each kind of 8-bit PNG, as GraphicsMagick writes it.
std::vector<std::pair<std::string, std::string>> kinds() {
  Magick::Image photo = testing::read_image(make_image(ImageFormat::png, 600, 400));
  Magick::Image grey = photo;
  grey.type(Magick::GrayscaleType);
  Magick::Image palette = photo;
  palette.quantizeColors(200);
  palette.quantize();
  Magick::Image translucent = testing::veiled_image(600, 400);
  return {
      {"rgb", testing::encoded_as(photo, "PNG24")},
      {"rgba", testing::encoded_as(translucent, "PNG32")},
      {"grey", testing::encoded_as(grey, "PNG")},
      {"palette", testing::encoded_as(palette, "PNG8")},
      // (GraphicsMagick's own palette files with alpha have a broken tRNS chunk.)
      {"palette with tRNS", testing::make_png(testing::PngLayout::palette_transparent, 600, 400)}};
}

TEST_F(PngResize, GivesThePictureOfTheWholeDecodeForEveryKind) {
  for (const auto& [kind, png] : kinds()) {
    for (Size to : {Size{450, 300}, Size{150, 100}, Size{37, 25}}) {
      const std::string resized =
          testing::checked_png(read_png_resized(png, to, ResizeFilter::mitchell), to);
      ASSERT_FALSE(resized.empty()) << kind;
      EXPECT_GT(testing::psnr(resized, testing::reference_resize(png, to)), 38.0)
          << kind << " to " << to.width;
    }
  }
}

TEST_F(PngResize, KeepsAlphaAndGreyness) {
  for (const auto& [kind, png] : kinds()) {
    std::optional<Magick::Image> image = read_png_resized(png, {100, 67}, ResizeFilter::mitchell);
    ASSERT_TRUE(image) << kind;
    EXPECT_EQ(image->matte(), testing::read_image(png).matte()) << kind;
    if (kind == "grey") {
      EXPECT_EQ(testing::read_image(testing::encoded_as(*image, "PNG")).type(),
                Magick::GrayscaleType);
    }
  }
}

TEST_F(PngResize, KeepsTheColourProfile) {
  Magick::Image tagged = testing::read_image(make_image(ImageFormat::png, 400, 300));
  const std::string profile = testing::adobe_rgb_profile();
  tagged.iccColorProfile(Magick::Blob(profile.data(), profile.size()));
  std::optional<Magick::Image> image =
      read_png_resized(testing::encoded_as(tagged, "PNG"), {100, 75}, ResizeFilter::mitchell);
  ASSERT_TRUE(image);
  const Magick::Blob icc = image->iccColorProfile();
  EXPECT_EQ(std::string(static_cast<const char*>(icc.data()), icc.length()), profile);
}

TEST_F(PngResize, HandsBackWhatItDoesNotTake) {
  Magick::Image photo = testing::read_image(make_image(ImageFormat::png, 400, 300));
  const std::string png = testing::encoded_as(photo, "PNG24");
  EXPECT_FALSE(read_png_resized(png, {400, 300}, ResizeFilter::mitchell)) << "not smaller";
  EXPECT_FALSE(read_png_resized(png.substr(0, png.size() / 2), {100, 75}, ResizeFilter::mitchell))
      << "truncated";
  EXPECT_FALSE(
      read_png_resized(testing::encoded_as(photo, "PNG48"), {100, 75}, ResizeFilter::mitchell))
      << "16-bit";
  Magick::Image interlaced = photo;
  interlaced.interlaceType(Magick::LineInterlace);
  EXPECT_FALSE(
      read_png_resized(testing::encoded_as(interlaced, "PNG"), {100, 75}, ResizeFilter::mitchell))
      << "interlaced";
}

}  // namespace
}  // namespace imgcache
