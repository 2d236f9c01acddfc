// Resized GraphicsMagick images (core/imaging/magick_pixels.h) against GraphicsMagick's own
// resize of the same kernel, and what a resize keeps: grey, transparency, colour profile.
#include "core/imaging/magick_pixels.h"

#include <Magick++.h>
#include <gtest/gtest.h>

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
