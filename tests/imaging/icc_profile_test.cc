// Judging source colour profiles (core/imaging/icc_profile.h) on profiles made by Little CMS and on
// garbage.
#include "core/imaging/icc_profile.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/icc_images.h"

namespace imgcache {
namespace {

TEST(IccProfile, WideGamutRgbIsUsableAndNotSrgb) {
  const IccProfile profile = inspect_icc_profile(testing::adobe_rgb_profile());
  EXPECT_TRUE(profile.usable);
  EXPECT_EQ(profile.colour_space, IccColourSpace::rgb);
  EXPECT_FALSE(profile.srgb);
}

TEST(IccProfile, SrgbIsRecognised) {
  EXPECT_TRUE(inspect_icc_profile(testing::srgb_profile()).srgb);
  EXPECT_TRUE(inspect_icc_profile(srgb_icc_profile()).srgb);
}

TEST(IccProfile, GarbageIsUnusable) {
  EXPECT_FALSE(inspect_icc_profile("").usable);
  EXPECT_FALSE(inspect_icc_profile(testing::garbage_profile(1024)).usable);
  // A valid header whose tags are cut off.
  EXPECT_FALSE(inspect_icc_profile(testing::adobe_rgb_profile().substr(0, 200)).usable);
}

TEST(IccProfile, ProfilesOverOneMebibyteAreUnusable) {
  const std::string largest = testing::adobe_rgb_profile(kMaxIccProfileSize);
  ASSERT_EQ(largest.size(), kMaxIccProfileSize);
  EXPECT_TRUE(inspect_icc_profile(largest).usable);
  const std::string too_large = testing::adobe_rgb_profile(kMaxIccProfileSize + 4);
  ASSERT_EQ(too_large.size(), kMaxIccProfileSize + 4);
  EXPECT_FALSE(inspect_icc_profile(too_large).usable);
}

}  // namespace
}  // namespace imgcache
