// The resampler (core/resample.h): what a resize must keep, checked on pixels the tests
// make, and its agreement with GraphicsMagick's resize of the same kernel (magick_resize.h).
#include "core/resample.h"

#include <Magick++.h>
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/image_pipeline.h"
#include "core/magick_resize.h"
#include "tests/support/test_images.h"

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

class MagickResize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_image_library(Config{}); }
};

// GraphicsMagick's own resize with the same kernel, as the reference.
Magick::Image magick_resized(const Magick::Image& source, Size to, Magick::FilterTypes filter) {
  Magick::Image image = source;
  Magick::Geometry exact(to.width, to.height);
  exact.aspect(true);
  image.filterType(filter);
  image.resize(exact);
  return image;
}

double psnr(const Magick::Image& a, const Magick::Image& b) {
  Magick::Image x = a, y = b;
  x.magick("PNG");
  y.magick("PNG");
  Magick::Blob xb, yb;
  x.write(&xb);
  y.write(&yb);
  return testing::psnr(std::string(static_cast<const char*>(xb.data()), xb.length()),
                       std::string(static_cast<const char*>(yb.data()), yb.length()));
}

TEST_F(MagickResize, AgreesWithGraphicsMagicksResizeOfTheSameKernel) {
  const std::string jpeg = testing::make_image(ImageFormat::jpeg, 640, 480);
  Magick::Image source;
  source.read(Magick::Blob(jpeg.data(), jpeg.size()));
  const std::array<std::pair<ResizeFilter, Magick::FilterTypes>, 4> kernels = {{
      {ResizeFilter::lanczos, Magick::LanczosFilter},
      {ResizeFilter::catrom, Magick::CatromFilter},
      {ResizeFilter::mitchell, Magick::MitchellFilter},
      {ResizeFilter::triangle, Magick::TriangleFilter},
  }};
  for (auto [ours, theirs] : kernels) {
    for (Size to : {Size{150, 113}, Size{800, 600}, Size{640, 200}}) {
      Magick::Image image = source;
      resize_image(image, to, ours);
      EXPECT_EQ(image.columns(), to.width);
      EXPECT_EQ(image.rows(), to.height);
      const double agreement = psnr(image, magick_resized(source, to, theirs));
      EXPECT_GT(agreement, 60.0) << static_cast<int>(ours) << " " << to.width << "x" << to.height;
    }
  }
}

TEST_F(MagickResize, AGreyImageIsWrittenGrey) {
  Magick::Image grey(Magick::Geometry(64, 48), Magick::Color("grey40"));
  grey.type(Magick::GrayscaleType);
  grey.magick("PNG");
  Magick::Blob png;
  grey.write(&png);
  Magick::Image image(png);  // read back: grey as the PNG reader finds it
  resize_image(image, {32, 24}, ResizeFilter::mitchell);
  image.magick("JPEG");
  Magick::Blob blob;
  image.write(&blob);
  // One component in the frame header (SOF0, "\xff\xc0", then length, precision, size).
  const std::string jpeg(static_cast<const char*>(blob.data()), blob.length());
  const std::size_t frame = jpeg.find("\xff\xc0");
  ASSERT_NE(frame, std::string::npos);
  EXPECT_EQ(jpeg.at(frame + 9), 1);
}

TEST_F(MagickResize, KeepsTransparencyAndTheColourProfile) {
  // Opaque blue, and on the left a transparent red that must not bleed into it.
  Magick::Image image(Magick::Geometry(40, 10), Magick::Color("blue"));
  image.matte(true);
  for (unsigned y = 0; y < 10; ++y) {
    for (unsigned x = 0; x < 20; ++x) image.pixelColor(x, y, Magick::Color(MaxRGB, 0, 0, MaxRGB));
  }
  const std::string profile = "an ICC profile's bytes";
  image.iccColorProfile(Magick::Blob(profile.data(), profile.size()));
  resize_image(image, {13, 10}, ResizeFilter::mitchell);
  ASSERT_TRUE(image.matte());
  const MagickLib::PixelPacket* row = image.getConstPixels(0, 5, 13, 1);
  EXPECT_EQ(row[0].opacity, MaxRGB);  // transparent
  EXPECT_EQ(row[12].opacity, 0);      // opaque
  for (unsigned x = 0; x < 13; ++x) {
    if (row[x].opacity < MaxRGB) {
      EXPECT_LT(row[x].red, MaxRGB / 100) << x;
    }
  }
  const Magick::Blob kept = image.iccColorProfile();
  EXPECT_EQ(std::string(static_cast<const char*>(kept.data()), kept.length()), profile);
}

}  // namespace
}  // namespace imgcache
