// The 1/8-scale picture of a progressive JPEG from its DC scans alone
// (core/imaging/jpeg_dc_picture.h): the picture libjpeg decodes from the whole file at 1/8, for
// every layout a progressive file may have, and nothing for other or damaged files.
#include "core/imaging/jpeg_dc_picture.h"

#include <gtest/gtest.h>

#include "tests/support/libjpeg_files.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::libjpeg_one_eighth;
using testing::make_libjpeg_progressive;
using testing::ProgressiveLayout;

// The DC picture's PSNR against libjpeg's decode of the whole file at 1/8.
double agreement(const std::string& jpeg) {
  std::optional<DcPicture> picture = progressive_jpeg_dc_picture(jpeg);
  if (!picture) {
    ADD_FAILURE() << "no DC picture";
    return 0;
  }
  return testing::psnr(picture->samples, libjpeg_one_eighth(jpeg));
}

TEST(JpegDcPicture, BaselineJpegsAndOtherBytesGiveNothing) {
  EXPECT_FALSE(progressive_jpeg_dc_picture(testing::make_image(ImageFormat::jpeg, 64, 48)));
  EXPECT_FALSE(progressive_jpeg_dc_picture(testing::make_image(ImageFormat::png, 64, 48)));
  EXPECT_FALSE(progressive_jpeg_dc_picture(""));
  EXPECT_FALSE(progressive_jpeg_dc_picture("\xff\xd8"));
  EXPECT_FALSE(progressive_jpeg_dc_picture("\xff\xd8\xff\xd9"));  // no frame at all
  const std::string progressive = make_libjpeg_progressive(64, 48, {});
  EXPECT_TRUE(progressive_jpeg_dc_picture(progressive));
  EXPECT_FALSE(progressive_jpeg_dc_picture("\xff\xd8" + progressive));  // a second SOI
}

TEST(JpegDcPicture, HasTheSizeLibjpegGivesAtOneEighth) {
  const std::string jpeg = make_libjpeg_progressive(1001, 603, {});
  std::optional<DcPicture> picture = progressive_jpeg_dc_picture(jpeg);
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->width, 126u);  // 1001 / 8, rounded up
  EXPECT_EQ(picture->height, 76u);
  EXPECT_FALSE(picture->grey);
  EXPECT_EQ(picture->samples.size(), 126u * 76 * 3);
}

// At 1/8 a pixel is its block's DC coefficient, so grey matches libjpeg's exactly. libjpeg
// scales subsampled chroma with a small inverse DCT and smooths blocks whose AC coefficients
// it estimates from their neighbours, where this picture interpolates between block
// centres: the colours differ a little. The thresholds are tight: leaving out the DC
// refinement scans (one bit of every coefficient) fails each of them.
TEST(JpegDcPicture, IsThePictureLibjpegDecodesFromTheWholeFile) {
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {})), 45.5);  // 4:2:0
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.luma_h = 1, .luma_v = 1})),
            51.0);  // 4:4:4
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.luma_h = 2, .luma_v = 1})),
            50.0);                                                     // 4:2:2
  EXPECT_GT(agreement(make_libjpeg_progressive(803, 597, {})), 45.3);  // partial MCUs
}

TEST(JpegDcPicture, TakesRgbComponentsAsTheCallerSays) {
  const std::string rgb = make_libjpeg_progressive(800, 600, {.rgb = true});
  std::optional<DcPicture> as_rgb = progressive_jpeg_dc_picture(rgb, true);
  std::optional<DcPicture> as_ycbcr = progressive_jpeg_dc_picture(rgb, false);
  ASSERT_TRUE(as_rgb && as_ycbcr);
  EXPECT_GT(testing::psnr(as_rgb->samples, libjpeg_one_eighth(rgb)), 50.0);
  EXPECT_LT(testing::psnr(as_ycbcr->samples, libjpeg_one_eighth(rgb)), 20.0);
}

TEST(JpegDcPicture, GreyIsExactlyLibjpegs) {
  const std::string grey = make_libjpeg_progressive(640, 480, {.grey = true});
  std::optional<DcPicture> picture = progressive_jpeg_dc_picture(grey);
  ASSERT_TRUE(picture);
  EXPECT_TRUE(picture->grey);
  EXPECT_EQ(picture->samples, libjpeg_one_eighth(grey));
}

TEST(JpegDcPicture, ReadsRestartMarkersAndOneComponentScans) {
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.restart_rows = 1})), 45.5);
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.dc_scan_per_component = true})), 45.5);
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600,
                                               {.restart_rows = 2, .dc_scan_per_component = true})),
            45.5);
  const std::string grey = make_libjpeg_progressive(640, 480, {.restart_rows = 1, .grey = true});
  std::optional<DcPicture> picture = progressive_jpeg_dc_picture(grey);
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->samples, libjpeg_one_eighth(grey));
}

TEST(JpegDcPicture, TruncatedOrDamagedFilesGiveNothingOrAWholePicture) {
  const std::string source = make_libjpeg_progressive(400, 300, {.restart_rows = 1});
  auto check = [](const std::string& bytes, std::size_t where) {
    if (std::optional<DcPicture> picture = progressive_jpeg_dc_picture(bytes)) {
      EXPECT_EQ(picture->samples.size(),
                std::size_t{picture->width} * picture->height * (picture->grey ? 1 : 3))
          << where;
    }
  };
  for (std::size_t length = 0; length < source.size(); length += 37) {
    check(source.substr(0, length), length);
    EXPECT_FALSE(progressive_jpeg_dc_picture(source.substr(0, length))) << length;
  }
  for (std::size_t at = 2; at < source.size(); at += 11) {
    std::string damaged = source;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    check(damaged, at);
  }
}

}  // namespace
}  // namespace imgcache
