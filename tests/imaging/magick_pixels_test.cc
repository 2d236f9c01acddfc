// Resized GraphicsMagick images (core/imaging/magick_pixels.h) against GraphicsMagick's own
// resize of the same kernel, and what a resize keeps: grey, transparency, colour profile.
#include "core/imaging/magick_pixels.h"

#include <Magick++.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/imaging/imaging.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

class MagickResize : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }
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

// The samples of every pixel, 16 bits each.
std::vector<double> levels_of(Magick::Image image) {  // a copy: write() is not const
  std::vector<std::uint16_t> samples(std::size_t{image.columns()} * image.rows() * 3);
  image.write(0, 0, image.columns(), image.rows(), "RGB", Magick::ShortPixel, samples.data());
  return {samples.begin(), samples.end()};
}

// PSNR of `a` against `b`, from their samples as they are (not as 8-bit files would
// hold them: GraphicsMagick truncates when it writes 8 bits).
double psnr(const Magick::Image& a, const Magick::Image& b) {
  const std::vector<double> x = levels_of(a), y = levels_of(b);
  double squares = 0;
  for (std::size_t i = 0; i < x.size(); ++i) squares += (x[i] - y[i]) * (x[i] - y[i]);
  const double mean_square = squares / static_cast<double>(x.size()) / (257.0 * 257.0);
  return 10 * std::log10(255.0 * 255.0 / mean_square);
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
      // Ours is rounded to 8 bits, which alone leaves 58.9 dB (an error of 1/√12 level).
      EXPECT_GT(agreement, 58.0) << static_cast<int>(ours) << " " << to.width << "x" << to.height;
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

TEST_F(MagickResize, AnEightBitImageIsRoundedNotTruncatedWhenWritten) {
  const std::string jpeg = testing::make_image(ImageFormat::jpeg, 640, 480);
  Magick::Image source;
  source.read(Magick::Blob(jpeg.data(), jpeg.size()));
  Magick::Image ours = source;
  resize_image(ours, {150, 113}, ResizeFilter::mitchell);
  ours.magick("PNG");
  Magick::Blob png;
  ours.write(&png);
  Magick::Image written(png);  // what a user gets: 8 bits a sample
  ASSERT_EQ(written.depth(), 8u);
  const std::vector<double> got = levels_of(written);
  const std::vector<double> exact =
      levels_of(magick_resized(source, {150, 113}, Magick::MitchellFilter));
  ASSERT_EQ(got.size(), exact.size());
  double drift = 0;  // mean signed error, in 8-bit levels
  for (std::size_t i = 0; i < got.size(); ++i) drift += (got[i] - exact[i]) / 257.0;
  drift /= static_cast<double>(got.size());
  EXPECT_LT(std::abs(drift), 0.1);  // truncating drifts by half a level
}

}  // namespace
}  // namespace imgcache
