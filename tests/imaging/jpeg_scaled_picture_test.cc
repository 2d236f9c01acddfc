// The picture of a progressive JPEG at 1/8 (from its DC scans alone), 1/4 and 1/2
// (core/imaging/jpeg_scaled_picture.h): the picture libjpeg decodes from the whole file at
// that scale, for every layout a progressive file may have, and nothing for other or
// damaged files.
#include "core/imaging/jpeg_scaled_picture.h"

#include <gtest/gtest.h>

#include "tests/support/libjpeg_files.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::libjpeg_scaled;
using testing::make_libjpeg_progressive;
using testing::ProgressiveLayout;

// The picture's PSNR against libjpeg's decode of the whole file at the same scale.
double agreement(const std::string& jpeg, unsigned denominator = 8) {
  std::optional<ScaledPicture> picture = progressive_jpeg_picture(jpeg, denominator);
  if (!picture) {
    ADD_FAILURE() << "no picture at 1/" << denominator;
    return 0;
  }
  return testing::psnr(picture->samples(), libjpeg_scaled(jpeg, denominator));
}

TEST(JpegScaledPicture, BaselineJpegsAndOtherBytesGiveNothing) {
  EXPECT_FALSE(progressive_jpeg_picture(testing::make_image(ImageFormat::jpeg, 64, 48), 8));
  EXPECT_FALSE(progressive_jpeg_picture(testing::make_image(ImageFormat::png, 64, 48), 8));
  EXPECT_FALSE(progressive_jpeg_picture("", 8));
  EXPECT_FALSE(progressive_jpeg_picture("\xff\xd8", 8));
  EXPECT_FALSE(progressive_jpeg_picture("\xff\xd8\xff\xd9", 8));  // no frame at all
  const std::string progressive = make_libjpeg_progressive(64, 48, {});
  EXPECT_TRUE(progressive_jpeg_picture(progressive, 8));
  EXPECT_FALSE(progressive_jpeg_picture("\xff\xd8" + progressive, 8));  // a second SOI
}

TEST(JpegScaledPicture, HasTheSizeLibjpegGivesAtOneEighth) {
  const std::string jpeg = make_libjpeg_progressive(1001, 603, {});
  std::optional<ScaledPicture> picture = progressive_jpeg_picture(jpeg, 8);
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->width(), 126u);  // 1001 / 8, rounded up
  EXPECT_EQ(picture->height(), 76u);
  EXPECT_FALSE(picture->grey());
  EXPECT_EQ(picture->samples().size(), 126u * 76 * 3);
}

// At 1/8 a pixel is its block's DC coefficient, so grey matches libjpeg's exactly. libjpeg
// scales subsampled chroma with a small inverse DCT and smooths blocks whose AC coefficients
// it estimates from their neighbours, where this picture interpolates between block
// centres: the colours differ a little. The thresholds are tight: leaving out the DC
// refinement scans (one bit of every coefficient) fails each of them.
TEST(JpegScaledPicture, IsThePictureLibjpegDecodesFromTheWholeFile) {
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {})), 45.5);  // 4:2:0
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.luma_h = 1, .luma_v = 1})),
            51.0);  // 4:4:4
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.luma_h = 2, .luma_v = 1})),
            50.0);                                                     // 4:2:2
  EXPECT_GT(agreement(make_libjpeg_progressive(803, 597, {})), 45.3);  // partial MCUs
}

TEST(JpegScaledPicture, TakesRgbComponentsAsTheCallerSays) {
  const std::string rgb = make_libjpeg_progressive(800, 600, {.rgb = true});
  std::optional<ScaledPicture> as_rgb = progressive_jpeg_picture(rgb, 8, true);
  std::optional<ScaledPicture> as_ycbcr = progressive_jpeg_picture(rgb, 8, false);
  ASSERT_TRUE(as_rgb && as_ycbcr);
  EXPECT_GT(testing::psnr(as_rgb->samples(), libjpeg_scaled(rgb, 8)), 50.0);
  EXPECT_LT(testing::psnr(as_ycbcr->samples(), libjpeg_scaled(rgb, 8)), 20.0);
}

TEST(JpegScaledPicture, GreyIsExactlyLibjpegs) {
  const std::string grey = make_libjpeg_progressive(640, 480, {.grey = true});
  std::optional<ScaledPicture> picture = progressive_jpeg_picture(grey, 8);
  ASSERT_TRUE(picture);
  EXPECT_TRUE(picture->grey());
  EXPECT_EQ(picture->samples(), libjpeg_scaled(grey, 8));
}

TEST(JpegScaledPicture, ReadsRestartMarkersAndOneComponentScans) {
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.restart_rows = 1})), 45.5);
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600, {.dc_scan_per_component = true})), 45.5);
  EXPECT_GT(agreement(make_libjpeg_progressive(800, 600,
                                               {.restart_rows = 2, .dc_scan_per_component = true})),
            45.5);
  const std::string grey = make_libjpeg_progressive(640, 480, {.restart_rows = 1, .grey = true});
  std::optional<ScaledPicture> picture = progressive_jpeg_picture(grey, 8);
  ASSERT_TRUE(picture);
  EXPECT_EQ(picture->samples(), libjpeg_scaled(grey, 8));
}

TEST(JpegScaledPicture, TruncatedOrDamagedFilesGiveNothingOrAWholePicture) {
  const std::string source = make_libjpeg_progressive(400, 300, {.restart_rows = 1});
  auto check = [](const std::string& bytes, std::size_t where) {
    for (unsigned denominator : {8u, 4u, 2u}) {
      if (std::optional<ScaledPicture> picture = progressive_jpeg_picture(bytes, denominator)) {
        EXPECT_EQ(picture->width(), 400 / denominator) << where;
        EXPECT_EQ(picture->samples().size(),
                  std::size_t{picture->width()} * picture->height() * (picture->grey() ? 1 : 3))
            << where;
      }
    }
  };
  for (std::size_t length = 0; length < source.size(); length += 37) {
    check(source.substr(0, length), length);
    for (unsigned denominator : {8u, 4u, 2u}) {
      EXPECT_FALSE(progressive_jpeg_picture(source.substr(0, length), denominator)) << length;
    }
  }
  for (std::size_t at = 2; at < source.size(); at += 11) {
    std::string damaged = source;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    check(damaged, at);
  }
}

// Above 1/8 the picture is the inverse DCT of each block's top-left 2x2 or 4x4
// coefficients, where libjpeg's reduced inverse DCT also weighs the odd frequencies above
// them (it averages the full block's pixels): grey differs by about a level, chroma a
// little more. (The coefficients themselves are libjpeg's exactly: jpeg_scans_test.)
TEST(JpegScaledPicture, AboveOneEighthIsThePictureLibjpegDecodes) {
  struct Case {
    const char* layout;
    std::string jpeg;
    double quarter, half;  // dB at 1/4 and at 1/2
  };
  const std::vector<Case> cases = {
      {"4:2:0", make_libjpeg_progressive(800, 600, {}), 42.3, 39.7},
      {"4:4:4", make_libjpeg_progressive(800, 600, {.luma_h = 1, .luma_v = 1}), 53.0, 47.6},
      {"4:2:2", make_libjpeg_progressive(800, 600, {.luma_h = 2, .luma_v = 1}), 52.5, 46.7},
      {"partial MCUs", make_libjpeg_progressive(803, 597, {}), 42.3, 39.9},
      {"restarts", make_libjpeg_progressive(800, 600, {.restart_rows = 1}), 42.3, 39.7},
      {"DC scan per component",
       make_libjpeg_progressive(800, 600, {.restart_rows = 2, .dc_scan_per_component = true}), 42.3,
       39.7},
      {"grey", make_libjpeg_progressive(640, 480, {.grey = true}), 52.0, 46.2},
  };
  for (const Case& c : cases) {
    EXPECT_GT(agreement(c.jpeg, 4), c.quarter) << c.layout;
    EXPECT_GT(agreement(c.jpeg, 2), c.half) << c.layout;
  }
}

TEST(JpegScaledPicture, HasTheSizeLibjpegGivesAtEveryScale) {
  const std::string jpeg = make_libjpeg_progressive(1001, 603, {});
  for (unsigned denominator : {8u, 4u, 2u}) {
    std::optional<ScaledPicture> picture = progressive_jpeg_picture(jpeg, denominator);
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->samples().size(), libjpeg_scaled(jpeg, denominator).size());
    EXPECT_EQ(picture->width(), (1001 + denominator - 1) / denominator);
    EXPECT_EQ(picture->height(), (603 + denominator - 1) / denominator);
  }
  EXPECT_FALSE(progressive_jpeg_picture(jpeg, 1));  // libjpeg's own, in full
  EXPECT_FALSE(progressive_jpeg_picture(jpeg, 3));
}

}  // namespace
}  // namespace imgcache
