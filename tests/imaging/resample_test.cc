// The resampler (core/imaging/resample.h): what a resize must keep, checked on pixels the
// tests make.
#include "core/imaging/resample.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace imgcache {
namespace {

constexpr std::array kFilters = {ResizeFilter::lanczos, ResizeFilter::catrom,
                                 ResizeFilter::mitchell, ResizeFilter::triangle};

// An image held as rows of premultiplied pixels.
struct Rows {
  Size size;
  std::vector<float> pixels;  // size.width * size.height * 4

  float* at(unsigned x, unsigned y) {
    return &pixels[(static_cast<std::size_t>(y) * size.width + x) * kResampleChannels];
  }
};

Rows filled(Size size, std::array<float, 4> pixel) {
  Rows rows{size, {}};
  for (std::size_t i = 0; i < static_cast<std::size_t>(size.width) * size.height; ++i) {
    rows.pixels.insert(rows.pixels.end(), pixel.begin(), pixel.end());
  }
  return rows;
}

Rows resampled(Rows& source, Size to, ResizeFilter filter) {
  Rows out{to, std::vector<float>(static_cast<std::size_t>(to.width) * to.height * 4, -1.0f)};
  resample(
      source.size, to, filter,
      [&](unsigned y, std::span<float> row) {
        std::copy_n(source.at(0, y), row.size(), row.begin());
      },
      [&](unsigned y, std::span<const float> row) {
        std::copy(row.begin(), row.end(), out.at(0, y));
      });
  return out;
}

TEST(Resample, AFlatColourStaysFlatAtEverySizeAndKernel) {
  const std::array<float, 4> grey = {0.25f, 0.5f, 0.75f, 1.0f};
  Rows source = filled({37, 23}, grey);
  for (ResizeFilter filter : kFilters) {
    for (Size to : {Size{10, 7}, Size{1, 1}, Size{37, 5}, Size{90, 60}, Size{37, 23}}) {
      Rows out = resampled(source, to, filter);
      for (std::size_t i = 0; i < out.pixels.size(); ++i) {
        ASSERT_NEAR(out.pixels[i], grey[i % 4], 1e-5) << to.width << "x" << to.height;
      }
    }
  }
}

TEST(Resample, ReadsEachSourceRowOnceInOrderAndWritesEachOutputRowOnce) {
  for (ResizeFilter filter : kFilters) {
    for (Size to : {Size{50, 20}, Size{200, 300}, Size{100, 1}}) {
      std::vector<unsigned> read, written;
      resample(
          {100, 150}, to, filter,
          [&](unsigned y, std::span<float> row) {
            EXPECT_EQ(row.size(), 100u * 4);
            read.push_back(y);
          },
          [&](unsigned y, std::span<const float> row) {
            EXPECT_EQ(row.size(), to.width * 4);
            written.push_back(y);
          });
      for (std::size_t i = 0; i < written.size(); ++i) ASSERT_EQ(written[i], i);
      ASSERT_EQ(written.size(), to.height);
      for (std::size_t i = 0; i < read.size(); ++i) ASSERT_EQ(read[i], i);
      ASSERT_LE(read.size(), 150u);
    }
  }
}

TEST(Resample, AnUnchangedSizeIsAnExactCopy) {
  Rows source = filled({9, 4}, {0, 0, 0, 1});
  for (unsigned i = 0; i < source.pixels.size(); ++i) source.pixels[i] = (i % 7) / 7.0f;
  Rows out = resampled(source, source.size, ResizeFilter::lanczos);
  EXPECT_EQ(out.pixels, source.pixels);
}

TEST(Resample, HalvingAlternateColumnsGivesTheirMean) {
  Rows source = filled({64, 8}, {0, 0, 0, 1});
  for (unsigned y = 0; y < 8; ++y) {
    for (unsigned x = 1; x < 64; x += 2) std::fill_n(source.at(x, y), 3, 1.0f);
  }
  for (ResizeFilter filter : kFilters) {
    Rows out = resampled(source, {32, 8}, filter);
    for (unsigned x = 4; x < 28; ++x) EXPECT_NEAR(*out.at(x, 4), 0.5f, 1e-3) << x;
  }
}

}  // namespace
}  // namespace imgcache
