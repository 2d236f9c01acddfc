// Taking a PNG's iCCP chunk out before decoding (core/imaging/png_profile.h).
#include "core/imaging/png_profile.h"

#include <gtest/gtest.h>

#include <string>

#include "core/imaging/icc_profile.h"
#include "tests/support/icc_images.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

TEST(PngProfile, NoChunkNothingTaken) {
  EXPECT_FALSE(take_png_profile(testing::make_image(ImageFormat::png, 8, 8)));
  EXPECT_FALSE(take_png_profile("\x89PNG"));
}

TEST(PngProfile, ChunkTakenOutWithItsProfile) {
  const std::string png = testing::make_image(ImageFormat::png, 8, 8);
  const std::string profile = testing::adobe_rgb_profile();
  const auto taken = take_png_profile(testing::with_png_icc(png, profile));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->png, png);
  EXPECT_EQ(taken->profile, profile);
}

TEST(PngProfile, ProfileOverTheCapIsNotInflated) {
  const std::string png = testing::make_image(ImageFormat::png, 8, 8);
  const auto taken = take_png_profile(
      testing::with_png_icc(png, testing::adobe_rgb_profile(kMaxIccProfileSize + 4)));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->png, png);
  EXPECT_TRUE(taken->profile.empty());
}

}  // namespace
}  // namespace imgcache
