// JPEGs resized while libjpeg decodes them (core/imaging/jpeg_resize.h): the picture
// GraphicsMagick's reader and resize give, at the exact target size, with the colour profile kept,
// and the files this path does not take handed back.
#include "core/imaging/jpeg_resize.h"

#include <Magick++.h>
#include <gtest/gtest.h>

#include "core/imaging/imaging.h"
#include "core/imaging/jpeg_scaled_picture.h"
#include "core/imaging/magick_pixels.h"
#include "tests/imaging/resize_reference.h"
#include "tests/support/libjpeg_files.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::make_image;
using testing::make_progressive_jpeg;

class JpegResize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }
};

std::string resized(const std::string& jpeg, Size to) {
  return testing::checked_png(read_jpeg_resized(jpeg, to, ResizeFilter::mitchell), to);
}

std::string grey_jpeg(unsigned width, unsigned height) {
  Magick::Image image = testing::read_image(make_image(ImageFormat::jpeg, width, height));
  image.type(Magick::GrayscaleType);
  image.magick("JPEG");
  Magick::Blob blob;
  image.write(&blob);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

TEST_F(JpegResize, GivesThePictureOfTheWholeDecodeAtEveryShrink) {
  const std::string baseline = make_image(ImageFormat::jpeg, 1200, 800);
  const std::string progressive = make_progressive_jpeg(1200, 800);
  // so that the progressive file takes imgcache's own decoder below full size
  ASSERT_TRUE(progressive_jpeg_picture(progressive, 2));
  // Decoded at 1/1, 1/2, 1/4 and 1/8 (the progressive file below 1/1 by imgcache).
  for (Size to : {Size{900, 600}, Size{300, 200}, Size{150, 100}, Size{75, 50}}) {
    EXPECT_GT(testing::psnr(resized(baseline, to), testing::reference_resize(baseline, to)), 50.0)
        << to.width;
    EXPECT_GT(testing::psnr(resized(progressive, to), testing::reference_resize(progressive, to)),
              50.0)
        << to.width;
  }
}

TEST_F(JpegResize, ThumbnailsOfRgbJpegsKeepTheirColours) {
  const std::string rgb = testing::make_libjpeg_progressive(1200, 800, {.rgb = true});
  EXPECT_GT(testing::psnr(resized(rgb, {75, 50}), testing::reference_resize(rgb, {75, 50})), 45.0);
}

// The number of components in a JPEG's frame header (0 when there is none).
unsigned jpeg_components(const std::string& jpeg) {
  for (std::size_t at = 2; at + 9 < jpeg.size(); ++at) {
    const auto marker = static_cast<unsigned char>(jpeg[at + 1]);
    if (jpeg[at] == '\xff' && (marker == 0xc0 || marker == 0xc2)) {
      return static_cast<unsigned char>(jpeg[at + 9]);
    }
  }
  return 0;
}

TEST_F(JpegResize, GreyStaysGrey) {
  for (const std::string& grey :
       {grey_jpeg(640, 480), testing::make_libjpeg_progressive(1280, 960, {.grey = true})}) {
    std::optional<Magick::Image> image =
        read_jpeg_resized(grey, {80, 60}, ResizeFilter::mitchell);  // 1/8: DC path when progressive
    ASSERT_TRUE(image);
    EXPECT_GT(testing::psnr(testing::encoded_as(*image, "PNG"),
                            testing::reference_resize(grey, {80, 60})),
              40.0);
    const Magick::Color pixel = image->pixelColor(40, 30);
    EXPECT_EQ(pixel.redQuantum(), pixel.greenQuantum());
    EXPECT_EQ(pixel.redQuantum(), pixel.blueQuantum());
    // Written back as a one-component JPEG, as the source was.
    image->magick("JPEG");
    Magick::Blob blob;
    image->write(&blob);
    EXPECT_EQ(jpeg_components(std::string(static_cast<const char*>(blob.data()), blob.length())),
              1u);
  }
}

TEST_F(JpegResize, KeepsTheColourProfileAndThePixelDensity) {
  Magick::Image source = testing::read_image(make_image(ImageFormat::jpeg, 320, 240));
  const std::string profile(3000, 'p');  // libjpeg checks the markers, not the profile
  source.iccColorProfile(Magick::Blob(profile.data(), profile.size()));
  source.resolutionUnits(Magick::PixelsPerInchResolution);
  source.density(Magick::Geometry(300, 300));
  source.magick("JPEG");
  Magick::Blob blob;
  source.write(&blob);
  std::optional<Magick::Image> image =
      read_jpeg_resized(std::string(static_cast<const char*>(blob.data()), blob.length()),
                        {160, 120}, ResizeFilter::mitchell);
  ASSERT_TRUE(image);
  const Magick::Blob kept = image->iccColorProfile();
  EXPECT_EQ(std::string(static_cast<const char*>(kept.data()), kept.length()), profile);
  EXPECT_EQ(image->resolutionUnits(), Magick::PixelsPerInchResolution);
  EXPECT_DOUBLE_EQ(image->xResolution(), 300.0);
  EXPECT_DOUBLE_EQ(image->yResolution(), 300.0);
}

TEST_F(JpegResize, HandsBackCmykAndDamagedFiles) {
  EXPECT_FALSE(
      read_jpeg_resized(testing::make_cmyk_jpeg(64, 48), {32, 24}, ResizeFilter::mitchell));
  const std::string whole = make_image(ImageFormat::jpeg, 640, 480);
  for (std::size_t length : {std::size_t{0}, std::size_t{2}, std::size_t{200}, whole.size() / 2}) {
    EXPECT_FALSE(read_jpeg_resized(whole.substr(0, length), {320, 240}, ResizeFilter::mitchell))
        << length;
  }
  EXPECT_FALSE(
      read_jpeg_resized(make_image(ImageFormat::png, 64, 48), {32, 24}, ResizeFilter::mitchell));
}

TEST_F(JpegResize, HandsBackProgressiveFilesOfTooManyScans) {
  const std::string many =
      testing::make_libjpeg_progressive(256, 192, {.scan_per_coefficient = true});
  // By imgcache's own decoder (below full size) and by libjpeg (full size) alike.
  for (Size to : {Size{64, 48}, Size{256, 192}}) {
    EXPECT_FALSE(read_jpeg_resized(many, to, ResizeFilter::mitchell)) << to.width;
  }
  const std::string usual = testing::make_libjpeg_progressive(256, 192, {});
  for (Size to : {Size{64, 48}, Size{256, 192}}) {
    EXPECT_TRUE(read_jpeg_resized(usual, to, ResizeFilter::mitchell)) << to.width;
  }
}

}  // namespace
}  // namespace imgcache
