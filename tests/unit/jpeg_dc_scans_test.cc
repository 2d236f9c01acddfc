// Only the DC scans of a progressive JPEG (core/jpeg_dc_scans.h): what is kept decodes at
// 1/8 scale to nearly the picture the whole file gives, and damaged input never crashes.
#include "core/jpeg_dc_scans.h"

#include <Magick++.h>
#include <gtest/gtest.h>

#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::make_image;
using testing::make_progressive_jpeg;

const std::string& progressive_source() {
  static const std::string bytes = make_progressive_jpeg(1600, 1200);
  return bytes;
}

// The JPEG decoded with a size hint that makes libjpeg scale by 1/8, as a PNG.
std::string decoded_at_one_eighth(const std::string& jpeg) {
  Magick::Image image;
  image.read(Magick::Blob(jpeg.data(), jpeg.size()), Magick::Geometry(200, 150), "JPEG");
  EXPECT_EQ(image.columns(), 200u);
  EXPECT_EQ(image.rows(), 150u);
  image.magick("PNG");
  Magick::Blob png;
  image.write(&png);
  return std::string(static_cast<const char*>(png.data()), png.length());
}

TEST(JpegDcScans, BaselineJpegsAndOtherBytesAreLeftAlone) {
  EXPECT_FALSE(progressive_jpeg_dc_scans(make_image(ImageFormat::jpeg, 64, 48)));
  EXPECT_FALSE(progressive_jpeg_dc_scans(make_image(ImageFormat::png, 64, 48)));
  EXPECT_FALSE(progressive_jpeg_dc_scans(""));
  EXPECT_FALSE(progressive_jpeg_dc_scans("\xff\xd8"));
}

TEST(JpegDcScans, KeepsTheDcScansWhichDecodeToTheSameOneEighthPicture) {
  const std::string& source = progressive_source();
  std::optional<std::string> dc = progressive_jpeg_dc_scans(source);
  ASSERT_TRUE(dc);
  EXPECT_LT(dc->size(), source.size() / 2);
  EXPECT_TRUE(dc->starts_with("\xff\xd8"));
  EXPECT_TRUE(dc->ends_with("\xff\xd9"));
  // Colour: libjpeg scales subsampled chroma with a 2x2 inverse DCT, which uses three AC
  // coefficients, so the colours differ a little.
  EXPECT_GT(testing::psnr(decoded_at_one_eighth(*dc), decoded_at_one_eighth(source)), 40.0);
}

TEST(JpegDcScans, GreyscaleAtOneEighthIsNearlyTheSamePicture) {
  Magick::Image grey(Magick::Blob(progressive_source().data(), progressive_source().size()));
  grey.type(Magick::GrayscaleType);
  grey.interlaceType(Magick::LineInterlace);
  Magick::Blob blob;
  grey.write(&blob);
  std::string source(static_cast<const char*>(blob.data()), blob.length());
  std::optional<std::string> dc = progressive_jpeg_dc_scans(source);
  ASSERT_TRUE(dc);
  // At 1/8 a grey pixel is its block's DC coefficient; libjpeg-turbo smooths a progressive
  // image whose AC coefficients never arrived, hence not identical but very close (leaving
  // out the DC refinement scan, one bit of every coefficient, gives under 48 dB).
  EXPECT_GT(testing::psnr(decoded_at_one_eighth(*dc), decoded_at_one_eighth(source)), 49.0);
}

TEST(JpegDcScans, TruncatedOrDamagedFilesGiveNothingOrAWholeStream) {
  const std::string& source = progressive_source();
  for (std::size_t length = 0; length < source.size(); length += 61) {
    std::optional<std::string> dc = progressive_jpeg_dc_scans(source.substr(0, length));
    if (dc) {
      EXPECT_TRUE(dc->ends_with("\xff\xd9")) << length;
    }
  }
  for (std::size_t at = 2; at < 2000; at += 7) {
    std::string damaged = source;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    std::optional<std::string> dc = progressive_jpeg_dc_scans(damaged);
    if (dc) {
      EXPECT_TRUE(dc->starts_with("\xff\xd8")) << at;
    }
  }
}

}  // namespace
}  // namespace imgcache
