#include "tests/imaging/resize_reference.h"

#include <gtest/gtest.h>

#include "core/imaging/magick_pixels.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {

Magick::Image read_image(const std::string& bytes) {
  Magick::Image image;
  image.quiet(true);
  image.read(Magick::Blob(bytes.data(), bytes.size()));
  return image;
}

std::string encoded_as(Magick::Image image, const char* format) {
  image.depth(8);
  image.magick(format);
  Magick::Blob blob;
  image.write(&blob);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

std::string reference_resize(const std::string& bytes, Size to) {
  Magick::Image image = read_image(bytes);
  resize_image(image, to, ResizeFilter::mitchell);
  return encoded_as(image, "PNG");
}

Magick::Image veiled_image(unsigned width, unsigned height) {
  Magick::Image image = read_image(make_png_with_alpha(width, height));
  Magick::Image veil(Magick::Geometry(width / 2, height), Magick::Color(0x8080, 0x4040, 0x2020));
  veil.matte(true);
  veil.opacity(MaxRGB / 2);
  image.composite(veil, 0, 0, Magick::OverCompositeOp);
  return image;
}

std::string checked_png(const std::optional<Magick::Image>& image, Size to) {
  if (!image) return "";
  EXPECT_EQ(image->columns(), to.width);
  EXPECT_EQ(image->rows(), to.height);
  return encoded_as(*image, "PNG");
}

}  // namespace imgcache::testing
