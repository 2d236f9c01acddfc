// Still WebPs resized while libwebp decodes them (core/imaging/webp_resize.h): the picture
// GraphicsMagick's reader and resize give, at the exact target size, shrunk on load or not,
// with alpha and the colour profile kept, and what this path does not take handed back.
#include "core/imaging/webp_resize.h"

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

class WebpResize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }
};

// A lossless WebP of testing::veiled_image.
std::string webp_with_alpha(unsigned width, unsigned height) {
  Magick::Image image = testing::veiled_image(width, height);
  image.defineValue("WEBP", "lossless", "true");
  return testing::encoded_as(image, "WEBP");
}

TEST_F(WebpResize, GivesThePictureOfTheWholeDecodeShrunkOnLoadOrNot) {
  const std::string lossy = make_image(ImageFormat::webp, 1200, 800);
  // 900x600 from the whole picture; the others from libwebp's shrink to twice their size.
  for (Size to : {Size{900, 600}, Size{300, 200}, Size{150, 100}, Size{40, 27}}) {
    const std::string resized =
        testing::checked_png(read_webp_resized(lossy, to, ResizeFilter::mitchell), to);
    EXPECT_GT(testing::psnr(resized, testing::reference_resize(lossy, to)), 38.0) << to.width;
  }
}

TEST_F(WebpResize, KeepsAlphaWithoutDarkFringes) {
  const std::string webp = webp_with_alpha(600, 300);
  for (Size to : {Size{400, 200}, Size{100, 50}}) {
    std::optional<Magick::Image> image = read_webp_resized(webp, to, ResizeFilter::mitchell);
    ASSERT_TRUE(image) << to.width;
    EXPECT_TRUE(image->matte());
    // Colour averaged with transparent pixels would darken the edges: premultiplied, it
    // matches GraphicsMagick's own resize.
    EXPECT_GT(
        testing::psnr(testing::encoded_as(*image, "PNG"), testing::reference_resize(webp, to)),
        38.0)
        << to.width;
  }
}

TEST_F(WebpResize, KeepsTheColourProfile) {
  Magick::Image tagged = testing::read_image(make_image(ImageFormat::png, 400, 300));
  const std::string profile = testing::adobe_rgb_profile();
  tagged.iccColorProfile(Magick::Blob(profile.data(), profile.size()));
  const std::string webp = testing::encoded_as(tagged, "WEBP");
  std::optional<Magick::Image> image = read_webp_resized(webp, {100, 75}, ResizeFilter::mitchell);
  ASSERT_TRUE(image);
  const Magick::Blob icc = image->iccColorProfile();
  EXPECT_EQ(std::string(static_cast<const char*>(icc.data()), icc.length()), profile);
}

TEST_F(WebpResize, HandsBackAnimationsAndWhatLibwebpRefuses) {
  const std::string lossy = make_image(ImageFormat::webp, 400, 300);
  EXPECT_FALSE(
      read_webp_resized(lossy.substr(0, lossy.size() / 2), {100, 75}, ResizeFilter::mitchell));
  const RenderOptions options;
  Operation keep;
  keep.format = ImageFormat::webp;
  const std::string animation =
      render_image(testing::make_animated_gif(120, 80, 3), keep, {}, options).bytes;
  ASSERT_EQ(testing::decode_webp_animation(animation).frames_rgba.size(), 3u);
  EXPECT_FALSE(read_webp_resized(animation, {60, 40}, ResizeFilter::mitchell));
}

}  // namespace
}  // namespace imgcache
