// The animated WebP encoder and GIF timing in WebP's terms (core/imaging/webp_animation.h); files
// are read back with libwebp's animation decoder.
#include "core/imaging/webp_animation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

// A width × height frame of one RGBA colour.
std::vector<unsigned char> solid(unsigned width, unsigned height, std::vector<unsigned char> rgba) {
  std::vector<unsigned char> pixels;
  for (unsigned i = 0; i < width * height; ++i) {
    pixels.insert(pixels.end(), rgba.begin(), rgba.end());
  }
  return pixels;
}

TEST(WebpAnimation, FramesDurationsLoopAndAlpha) {
  WebpAnimationEncoder encoder({.width = 8, .height = 4, .quality = 80, .loop_count = 2});
  encoder.add(solid(8, 4, {255, 0, 0, 255}), 100);
  encoder.add(solid(8, 4, {0, 0, 255, 0}), 250);
  encoder.add(solid(8, 4, {0, 255, 0, 255}), 40);
  testing::WebpAnimation animation = testing::decode_webp_animation(encoder.finish());
  EXPECT_EQ(animation.width, 8u);
  EXPECT_EQ(animation.height, 4u);
  EXPECT_EQ(animation.loop_count, 2u);
  EXPECT_EQ(animation.durations_ms, (std::vector<int>{100, 250, 40}));
  ASSERT_EQ(animation.frames_rgba.size(), 3u);
  EXPECT_EQ(static_cast<unsigned char>(animation.frames_rgba[0][3]), 255);
  EXPECT_EQ(static_cast<unsigned char>(animation.frames_rgba[1][3]), 0);
}

TEST(WebpAnimation, FrameOfAnotherSizeIsRefused) {
  WebpAnimationEncoder encoder({.width = 8, .height = 4});
  try {
    encoder.add(solid(4, 4, {0, 0, 0, 255}), 100);
    ADD_FAILURE() << "a 4x4 frame was taken on an 8x4 canvas";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::internal);
  }
}

TEST(WebpAnimation, GifDelaysAsBrowsersPlayThem) {
  EXPECT_EQ(webp_frame_duration_ms(0), 100u);
  EXPECT_EQ(webp_frame_duration_ms(1), 100u);
  EXPECT_EQ(webp_frame_duration_ms(2), 20u);
  EXPECT_EQ(webp_frame_duration_ms(10), 100u);
  EXPECT_EQ(webp_frame_duration_ms(250), 2500u);
}

TEST(WebpAnimation, GifIterationsAsWebpLoopCount) {
  EXPECT_EQ(webp_loop_count(0), 0u);  // forever
  EXPECT_EQ(webp_loop_count(1), 1u);  // no loop extension: once
  EXPECT_EQ(webp_loop_count(2), 3u);  // the first play and two repeats
  EXPECT_EQ(webp_loop_count(65535), 65535u);
}

}  // namespace
}  // namespace imgcache
