// Still WebPs resized while libwebp decodes them (core/imaging/webp_resize.h): the picture
// GraphicsMagick's reader and resize give, at the exact target size, shrunk on load or not,
// with alpha and the colour profile kept, and what this path does not take handed back.
#include "core/imaging/webp_resize.h"

#include <Magick++.h>
#include <gtest/gtest.h>

#include "core/imaging/imaging.h"
#include "core/imaging/magick_pixels.h"
#include "tests/support/icc_images.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::make_image;

class WebpResize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }
};

Magick::Image read(const std::string& bytes) {
  Magick::Image image;
  image.read(Magick::Blob(bytes.data(), bytes.size()));
  return image;
}

std::string encoded(Magick::Image image, const char* format) {
  image.magick(format);
  Magick::Blob blob;
  image.write(&blob);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

// The whole file decoded by GraphicsMagick, then resized.
std::string reference(const std::string& webp, Size to) {
  Magick::Image image = read(webp);
  resize_image(image, to, ResizeFilter::mitchell);
  return encoded(image, "PNG");
}

std::optional<Magick::Image> resized_image(const std::string& webp, Size to) {
  std::optional<Magick::Image> image = read_webp_resized(webp, to, ResizeFilter::mitchell);
  if (image) {
    EXPECT_EQ(image->columns(), to.width);
    EXPECT_EQ(image->rows(), to.height);
  }
  return image;
}

std::string resized(const std::string& webp, Size to) {
  std::optional<Magick::Image> image = resized_image(webp, to);
  return image ? encoded(*image, "PNG") : "";
}

// A lossless WebP of the PNG with a transparent background, half of it seen through a
// half-transparent brown veil (colours whose premultiplied values differ from their own).
std::string webp_with_alpha(unsigned width, unsigned height) {
  Magick::Image image = read(testing::make_png_with_alpha(width, height));
  Magick::Image veil(Magick::Geometry(width / 2, height), Magick::Color(0x8080, 0x4040, 0x2020));
  veil.matte(true);
  veil.opacity(MaxRGB / 2);
  image.composite(veil, 0, 0, Magick::OverCompositeOp);
  image.defineValue("WEBP", "lossless", "true");
  return encoded(image, "WEBP");
}

TEST_F(WebpResize, GivesThePictureOfTheWholeDecodeShrunkOnLoadOrNot) {
  const std::string lossy = make_image(ImageFormat::webp, 1200, 800);
  // 900x600 from the whole picture; the others from libwebp's shrink to twice their size.
  for (Size to : {Size{900, 600}, Size{300, 200}, Size{150, 100}, Size{40, 27}}) {
    EXPECT_GT(testing::psnr(resized(lossy, to), reference(lossy, to)), 38.0) << to.width;
  }
}

TEST_F(WebpResize, KeepsAlphaWithoutDarkFringes) {
  const std::string webp = webp_with_alpha(600, 300);
  for (Size to : {Size{400, 200}, Size{100, 50}}) {
    std::optional<Magick::Image> image = resized_image(webp, to);
    ASSERT_TRUE(image) << to.width;
    EXPECT_TRUE(image->matte());
    // Colour averaged with transparent pixels would darken the edges: premultiplied, it
    // matches GraphicsMagick's own resize.
    EXPECT_GT(testing::psnr(encoded(*image, "PNG"), reference(webp, to)), 38.0) << to.width;
  }
}

TEST_F(WebpResize, KeepsTheColourProfile) {
  Magick::Image tagged = read(make_image(ImageFormat::png, 400, 300));
  const std::string profile = testing::adobe_rgb_profile();
  tagged.iccColorProfile(Magick::Blob(profile.data(), profile.size()));
  const std::string webp = encoded(tagged, "WEBP");
  std::optional<Magick::Image> image = resized_image(webp, {100, 75});
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
      render_image(testing::make_animated_gif(120, 80, 3), keep, std::nullopt, options).bytes;
  ASSERT_EQ(testing::decode_webp_animation(animation).frames_rgba.size(), 3u);
  EXPECT_FALSE(read_webp_resized(animation, {60, 40}, ResizeFilter::mitchell));
}

}  // namespace
}  // namespace imgcache
