// The image pipeline (SPEC §2, §6) on images generated at test time; results are read back
// by decoding the output, as a user viewing the image would.
#include <Magick++.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <list>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/imaging/imaging.h"
#include "core/imaging/jxl_encode.h"
#include "tests/imaging/resize_reference.h"
#include "tests/support/icc_images.h"
#include "tests/support/libjpeg_files.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::decode;
using testing::Decoded;
using testing::make_image;
using testing::make_progressive_jpeg;

class ImagePipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_imaging({}); }

  static Operation op(const char* spec) { return parse_operation(spec, Config{}); }

  EncodedImage process(const std::string& source, const char* spec,
                       std::vector<ImageFormat> negotiated = {}) {
    return render_image(source, op(spec), negotiated, options_);
  }

  // The Errc of the failure, or a test failure if processing succeeds.
  Errc failure(const std::string& source, const char* spec) {
    try {
      process(source, spec);
    } catch (const Error& e) {
      return e.code();
    }
    ADD_FAILURE() << spec << ": processing succeeded";
    return Errc::internal;
  }

  // A lower q<N> makes fewer bytes than a higher one, and with no q<N> the output gets the
  // configured quality (`configured`, set to the lower).
  void expect_quality_from_the_option_and_the_config(const std::string& source,
                                                     const std::string& spec, unsigned low,
                                                     unsigned high, unsigned& configured) {
    const auto size_at = [&](const std::string& with) {
      return process(source, with.c_str()).bytes.size();
    };
    const std::size_t at_low = size_at(spec + ",q" + std::to_string(low));
    EXPECT_LT(at_low, size_at(spec + ",q" + std::to_string(high)));
    configured = low;
    EXPECT_EQ(size_at(spec), at_low);
  }

  // A 4000×3000 photo is slow to make: once per run.
  static const std::string& big_jpeg() {
    static const std::string bytes = make_image(ImageFormat::jpeg, 4000, 3000);
    return bytes;
  }

  RenderOptions options_;
};

TEST_F(ImagePipeline, ResizeFitsInsideTheBox) {
  EncodedImage out = process(big_jpeg(), "150x150");
  Decoded d = decode(out.bytes);
  EXPECT_EQ(d.format, "JPEG");
  EXPECT_EQ(d.width, 150u);
  EXPECT_EQ(d.height, 112u);
  EXPECT_EQ(out.format, ImageFormat::jpeg);
  EXPECT_EQ(out.width, 150u);
  EXPECT_EQ(out.height, 112u);
}

TEST_F(ImagePipeline, CropFillsTheBox) {
  Decoded d = decode(process(big_jpeg(), "150x150,crop").bytes);
  EXPECT_EQ(d.width, 150u);
  EXPECT_EQ(d.height, 150u);
}

TEST_F(ImagePipeline, PortraitAndLandscape) {
  Decoded landscape = decode(process(make_image(ImageFormat::jpeg, 400, 300), "150x150").bytes);
  EXPECT_EQ(landscape.width, 150u);
  EXPECT_EQ(landscape.height, 112u);
  Decoded portrait = decode(process(make_image(ImageFormat::jpeg, 300, 400), "150x150").bytes);
  EXPECT_EQ(portrait.width, 112u);
  EXPECT_EQ(portrait.height, 150u);
  Decoded by_height = decode(process(make_image(ImageFormat::png, 799, 601), "-x100").bytes);
  EXPECT_EQ(by_height.width, 132u);  // nginx's two-step arithmetic
  EXPECT_EQ(by_height.height, 100u);
}

TEST_F(ImagePipeline, RotationSwapsDimensions) {
  Decoded r90 = decode(process(big_jpeg(), "150x150,r90").bytes);
  EXPECT_EQ(r90.width, 112u);
  EXPECT_EQ(r90.height, 150u);
  Decoded r180 = decode(process(big_jpeg(), "150x150,r180").bytes);
  EXPECT_EQ(r180.width, 150u);
  EXPECT_EQ(r180.height, 112u);
}

// Whether the pixel is mostly transparent.
bool transparent_at(const std::string& png, unsigned x, unsigned y) {
  Magick::Image image(Magick::Blob(png.data(), png.size()));
  // GraphicsMagick's alpha quantum is opacity inverted: MaxRGB is fully transparent.
  return image.pixelColor(x, y).alphaQuantum() > MaxRGB / 2;
}

TEST_F(ImagePipeline, RotationIsCounterClockwise) {
  // The source's left half is transparent.
  std::string source = testing::make_png_with_alpha(200, 100);
  ASSERT_TRUE(transparent_at(source, 10, 50));
  ASSERT_FALSE(transparent_at(source, 190, 50));
  // 90° counter-clockwise: the left edge becomes the bottom edge.
  std::string r90 = process(source, "-x-,r90").bytes;
  ASSERT_EQ(decode(r90).width, 100u);
  EXPECT_TRUE(transparent_at(r90, 50, 190));
  EXPECT_FALSE(transparent_at(r90, 50, 10));
  // 270° counter-clockwise: the left edge becomes the top edge.
  std::string r270 = process(source, "-x-,r270").bytes;
  EXPECT_TRUE(transparent_at(r270, 50, 10));
  EXPECT_FALSE(transparent_at(r270, 50, 190));
  std::string r180 = process(source, "-x-,r180").bytes;
  EXPECT_TRUE(transparent_at(r180, 190, 50));
  EXPECT_FALSE(transparent_at(r180, 10, 50));
}

TEST_F(ImagePipeline, SmallImagePassesThroughByteForByte) {
  for (ImageFormat format :
       {ImageFormat::jpeg, ImageFormat::png, ImageFormat::gif, ImageFormat::webp}) {
    std::string source = make_image(format, 16, 16);
    EncodedImage out = process(source, "150x150");
    EXPECT_TRUE(out.bytes == source) << format_name(format);
    EXPECT_EQ(out.format, format);
    EXPECT_EQ(out.width, 16u);
    EXPECT_EQ(out.height, 16u);
    EXPECT_TRUE(process(source, "150x150,crop").bytes == source) << format_name(format);
    EXPECT_TRUE(process(source, "16x16").bytes == source) << format_name(format);
  }
}

TEST_F(ImagePipeline, SmallJpegWithHeavyMetadataIsReEncoded) {
  // nginx's rule: APP1..APP15 over 5 % of the file forces a re-encode, which strips them.
  std::string jpeg = make_image(ImageFormat::jpeg, 16, 16);
  std::string payload(jpeg.size(), 'm');
  std::string app9 = "\xff\xe9";
  app9 += static_cast<char>((payload.size() + 2) >> 8);
  app9 += static_cast<char>((payload.size() + 2) & 0xff);
  std::string heavy = jpeg.substr(0, 2) + app9 + payload + jpeg.substr(2);
  EncodedImage out = process(heavy, "150x150");
  EXPECT_LT(out.bytes.size(), heavy.size() - payload.size() / 2);
  EXPECT_EQ(out.bytes.find(std::string(64, 'm')), std::string::npos);
  EXPECT_EQ(decode(out.bytes).width, 16u);
}

// A still GIF whose left half is transparent.
std::string make_transparent_gif(unsigned width, unsigned height) {
  std::string png = testing::make_png_with_alpha(width, height);
  Magick::Image image(Magick::Blob(png.data(), png.size()));
  image.magick("GIF");
  Magick::Blob blob;
  image.write(&blob);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

// nginx's own image_filter tests on a 100x120 GIF (a single frame).
TEST_F(ImagePipeline, StillGifIsResizedCroppedAndRotatedAsNginxDoes) {
  const std::string gif = make_image(ImageFormat::gif, 100, 120);
  ASSERT_EQ(decode(gif).frames, 1u);
  struct Case {
    const char* spec;
    unsigned width, height;
  };
  for (Case c : {Case{"10x12", 10, 12}, Case{"-x-,r90", 120, 100}, Case{"5x6,crop,r90", 5, 5},
                 Case{"5x6,r90", 6, 5}, Case{"60x80,crop", 60, 80}}) {
    EncodedImage out = process(gif, c.spec);
    Decoded d = decode(out.bytes);
    EXPECT_EQ(d.format, "GIF") << c.spec;
    EXPECT_EQ(d.frames, 1u) << c.spec;
    EXPECT_EQ(d.width, c.width) << c.spec;
    EXPECT_EQ(d.height, c.height) << c.spec;
  }
}

TEST_F(ImagePipeline, StillGifKeepsItsTransparency) {
  const std::string gif = make_transparent_gif(200, 100);
  ASSERT_TRUE(transparent_at(gif, 10, 50));
  std::string out = process(gif, "100x100").bytes;
  ASSERT_EQ(decode(out).width, 100u);
  EXPECT_TRUE(transparent_at(out, 5, 25));
  EXPECT_FALSE(transparent_at(out, 95, 25));
  std::string png = process(gif, "100x100,png,r180").bytes;
  EXPECT_EQ(decode(png).format, "PNG");
  EXPECT_TRUE(transparent_at(png, 95, 25));
  EXPECT_FALSE(transparent_at(png, 5, 25));
}

// A layer as a soft shadow or glow is: 16 flat colours, almost every pixel nearly
// transparent (alpha 1-3 of 255), an opaque block in the middle, a clear band on top.
std::string make_faint_png(unsigned width, unsigned height) {
  Magick::Image image(Magick::Geometry(width, height), Magick::Color("white"));
  image.matte(true);
  image.modifyImage();
  MagickLib::PixelPacket* pixels = image.getPixels(0, 0, width, height);
  for (unsigned y = 0; y < height; ++y) {
    for (unsigned x = 0; x < width; ++x) {
      MagickLib::PixelPacket& p = pixels[std::size_t{y} * width + x];
      const unsigned block = (x * 4 / width) * 4 + y * 4 / height;
      p.red = static_cast<MagickLib::Quantum>(block * 17 * 257);
      p.green = static_cast<MagickLib::Quantum>((255 - block * 13) * 257);
      p.blue = static_cast<MagickLib::Quantum>((block % 5) * 60 * 257);
      const bool opaque =
          x > width * 2 / 5 && x < width * 3 / 5 && y > height * 2 / 5 && y < height * 3 / 5;
      const bool clear = y < height / 10;  // a fully transparent band of many colours
      const unsigned alpha8 = opaque ? 255 : clear ? 0 : 1 + (x * 7 + y * 13) % 3;
      p.opacity = static_cast<MagickLib::Quantum>((255 - alpha8) * 257);
    }
  }
  image.syncPixels();
  image.magick("PNG");
  Magick::Blob blob;
  image.write(&blob);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

// The distinct RGBA values of an image, and those of its fully transparent pixels.
struct Colours {
  std::size_t all = 0;
  std::size_t transparent = 0;
};
Colours distinct_colours(const std::string& bytes) {
  Magick::Image image(Magick::Blob(bytes.data(), bytes.size()));
  const MagickLib::PixelPacket* pixels = image.getConstPixels(0, 0, image.columns(), image.rows());
  std::set<std::uint64_t> all;
  std::set<std::uint64_t> transparent;
  for (std::size_t i = 0; i < image.columns() * image.rows(); ++i) {
    const std::uint64_t rgba = std::uint64_t{pixels[i].red} << 48 |
                               std::uint64_t{pixels[i].green} << 32 |
                               std::uint64_t{pixels[i].blue} << 16 | pixels[i].opacity;
    all.insert(rgba);
    if (pixels[i].opacity == MaxRGB) transparent.insert(rgba);
  }
  return {all.size(), transparent.size()};
}

TEST_F(ImagePipeline, NearlyTransparentPixelsKeepFewColoursAndASmallPng) {
  const std::string source = make_faint_png(1920, 1200);
  const Colours source_colours = distinct_colours(source);
  ASSERT_GT(source_colours.transparent, 1u);
  const std::string out = process(source, "800x500").bytes;
  ASSERT_EQ(decode(out).width, 800u);
  const Colours out_colours = distinct_colours(out);
  RecordProperty("source_colours", std::to_string(source_colours.all));
  RecordProperty("output_colours", std::to_string(out_colours.all));
  RecordProperty("output_bytes", std::to_string(out.size()));
  RecordProperty("source_bytes", std::to_string(source.size()));
  // Resampling mixes neighbours: some new colours, not noise multiplied by 1/alpha.
  EXPECT_LT(out_colours.all, 4 * source_colours.all);
  EXPECT_LT(out.size(), source.size()) << "a thumbnail larger than its source";
  EXPECT_EQ(out_colours.transparent, 1u) << "fully transparent pixels are one colour";
}

// The PNG colour type from the IHDR chunk: 3 indexed, 6 RGBA, 2 RGB.
int png_colour_type(const std::string& png) { return static_cast<unsigned char>(png.at(25)); }

TEST_F(ImagePipeline, PngQuantizeWritesAPaletteThatLooksTheSame) {
  const std::string photo = make_image(ImageFormat::png, 800, 600);
  const std::string truecolour = process(photo, "400x400").bytes;
  EXPECT_EQ(png_colour_type(truecolour), 2) << "png_quantize is off by default";
  options_.png_quantize = true;
  const std::string palette = process(photo, "400x400").bytes;
  EXPECT_EQ(png_colour_type(palette), 3);
  EXPECT_EQ(decode(palette).width, 400u);
  const double db = testing::psnr(palette, truecolour);
  RecordProperty("psnr_db", std::to_string(db));
  RecordProperty("truecolour_bytes", std::to_string(truecolour.size()));
  RecordProperty("palette_bytes", std::to_string(palette.size()));
  EXPECT_GT(db, 32.0);
  EXPECT_LT(palette.size(), truecolour.size() * 6 / 10);
  // Alpha is kept in the palette.
  const std::string alpha = process(testing::make_png_with_alpha(800, 600), "400x400").bytes;
  EXPECT_EQ(png_colour_type(alpha), 3);
  EXPECT_TRUE(transparent_at(alpha, 10, 150));
  EXPECT_FALSE(transparent_at(alpha, 390, 150));
}

TEST_F(ImagePipeline, SmallAnimatedGifStaysAnimated) {
  std::string source = testing::make_animated_gif(40, 20, 3);
  EXPECT_TRUE(process(source, "150x150").bytes == source);
}

TEST_F(ImagePipeline, NeverEnlarges) {
  EncodedImage out = process(make_image(ImageFormat::jpeg, 100, 50), "1000x1000,png");
  Decoded d = decode(out.bytes);
  EXPECT_EQ(d.format, "PNG");
  EXPECT_EQ(d.width, 100u);
  EXPECT_EQ(d.height, 50u);
}

TEST_F(ImagePipeline, ExifOrientationIsAppliedAndStripped) {
  std::string source = testing::make_jpeg_with_orientation(300, 200, 6);
  ASSERT_TRUE(decode(source).has_exif);
  for (const char* spec : {"1000x1000", "-x-"}) {
    EncodedImage out = process(source, spec);
    EXPECT_TRUE(out.bytes != source) << spec;  // orientation forces a re-encode
    Decoded d = decode(out.bytes);
    EXPECT_EQ(d.width, 200u) << spec;
    EXPECT_EQ(d.height, 300u) << spec;
    EXPECT_FALSE(d.has_exif) << spec;
  }
  // The box applies to the image as viewed: 200×300 into 150×150 → 100×150.
  Decoded small = decode(process(source, "150x150").bytes);
  EXPECT_EQ(small.width, 100u);
  EXPECT_EQ(small.height, 150u);
  EXPECT_FALSE(small.has_exif);
}

TEST_F(ImagePipeline, AutoOrientOffKeepsTheStoredImage) {
  options_.auto_orient = false;
  std::string source = testing::make_jpeg_with_orientation(300, 200, 6);
  EXPECT_TRUE(process(source, "1000x1000").bytes == source);
  Decoded d = decode(process(source, "150x150").bytes);
  EXPECT_EQ(d.width, 150u);
  EXPECT_EQ(d.height, 100u);
}

TEST_F(ImagePipeline, AlphaIsKept) {
  EncodedImage out = process(testing::make_png_with_alpha(200, 100), "100x100");
  Decoded d = decode(out.bytes);
  EXPECT_EQ(d.format, "PNG");
  EXPECT_EQ(d.width, 100u);
  EXPECT_EQ(d.height, 50u);
  EXPECT_TRUE(d.has_alpha);
  EXPECT_TRUE(transparent_at(out.bytes, 5, 25));
  EXPECT_FALSE(transparent_at(out.bytes, 95, 25));
  // And into WebP.
  Decoded webp = decode(process(testing::make_png_with_alpha(200, 100), "100x100,webp").bytes);
  EXPECT_EQ(webp.format, "WEBP");
  EXPECT_TRUE(webp.has_alpha);
}

// An 800x600 JPEG made 200x150 in `format` (AVIF, JPEG XL): an opaque picture of that
// size, as Debian's decoder of the format reads it.
void expect_an_opaque_200x150(const EncodedImage& out, ImageFormat format) {
  EXPECT_EQ(out.format, format);
  const Decoded d = decode(out.bytes);  // by avifdec, djxl
  EXPECT_EQ(d.format, format == ImageFormat::avif ? "AVIF" : "JXL");
  EXPECT_EQ(d.width, 200u);
  EXPECT_EQ(d.height, 150u);
  EXPECT_FALSE(d.has_alpha);
}

TEST_F(ImagePipeline, AvifOutputIsTheJpegsPictureInFewerBytes) {
  const std::string source = make_image(ImageFormat::jpeg, 800, 600);
  expect_an_opaque_200x150(process(source, "200x200,avif"), ImageFormat::avif);
  const std::string png = process(source, "200x200,png").bytes;
  const std::string jpeg = process(source, "200x200").bytes;
  // At a quality that matches the JPEG's fidelity, a little over half its bytes (the
  // issue's target: at most 0.7).
  const std::string avif70 = process(source, "200x200,avif,q70").bytes;
  EXPECT_GE(testing::psnr(avif70, png), testing::psnr(jpeg, png));
  EXPECT_LE(avif70.size(), jpeg.size() * 7 / 10);
}

// The alpha of every pixel of an image, 0..255.
std::vector<unsigned> alphas_of(const std::string& bytes) {
  const std::string readable = testing::readable(bytes);
  Magick::Image image(Magick::Blob(readable.data(), readable.size()));
  std::vector<unsigned> out;
  for (unsigned y = 0; y < image.rows(); ++y) {
    for (unsigned x = 0; x < image.columns(); ++x) {
      out.push_back(255 - image.pixelColor(x, y).alphaQuantum() * 255 / MaxRGB);
    }
  }
  return out;
}

// A PNG of orange squares of 8 pixels, every other one transparent: edges everywhere.
std::string checkered_png() {
  Magick::Image image(Magick::Geometry(200, 96), Magick::Color("orange"));
  image.matte(true);
  for (unsigned y = 0; y < 96; ++y) {
    for (unsigned x = 0; x < 200; ++x) {
      if ((x / 8 + y / 8) % 2) image.pixelColor(x, y, Magick::Color(MaxRGB, 0, 0, MaxRGB));
    }
  }
  return testing::encoded_as(image, "PNG");
}

TEST_F(ImagePipeline, AvifKeepsAlphaLosslesslyAndTakesItsQuality) {
  const std::string source = checkered_png();
  const std::string avif = process(source, "100x100,avif,q30").bytes;
  const Decoded d = decode(avif);
  EXPECT_EQ(d.format, "AVIF");
  EXPECT_TRUE(d.has_alpha);
  // The alpha of the same resize as PNG, exactly: no ringing at the edge, even at q30.
  EXPECT_EQ(alphas_of(avif), alphas_of(process(source, "100x100,png").bytes));
  expect_quality_from_the_option_and_the_config(make_image(ImageFormat::jpeg, 400, 300),
                                                "200x200,avif", 30, 90, options_.avif_quality);
}

TEST_F(ImagePipeline, JxlOutputIsTheJpegsPictureInFewerBytes) {
  const std::string source = make_image(ImageFormat::jpeg, 800, 600);
  const EncodedImage jxl = process(source, "200x200,jxl");
  expect_an_opaque_200x150(jxl, ImageFormat::jxl);
  // cjxl's quality scale follows libjpeg's: at the same number (75), a faithful picture
  // in under half the JPEG's bytes.
  EXPECT_EQ(options_.jxl_quality, options_.jpeg_quality);
  EXPECT_GE(testing::psnr(jxl.bytes, process(source, "200x200,png").bytes), 35.0);
  EXPECT_LT(jxl.bytes.size(), process(source, "200x200").bytes.size() / 2);
}

TEST(JxlDistance, FollowsCjxlsQualityScale) {
  EXPECT_EQ(jxl_distance(100), 0.0f);       // lossless
  EXPECT_FLOAT_EQ(jxl_distance(90), 1.0f);  // visually lossless
  EXPECT_FLOAT_EQ(jxl_distance(75), 2.35f);
  EXPECT_FLOAT_EQ(jxl_distance(30), 6.4f);
  EXPECT_FLOAT_EQ(jxl_distance(10), 15.0f);  // libjxl's largest (the curve gives 15.27)
  EXPECT_LT(jxl_distance(29), jxl_distance(28));
}

TEST_F(ImagePipeline, JxlKeepsAlphaTakesItsQualityAndIsLosslessAtQ100) {
  const std::string source = checkered_png();
  const std::string jxl = process(source, "100x100,jxl").bytes;
  const Decoded d = decode(jxl);
  EXPECT_EQ(d.format, "JXL");
  EXPECT_TRUE(d.has_alpha);
  // Alpha is coded at the picture's quality (libjxl 0.7 has no distance of its own for
  // it): close to the PNG's at the default quality, ringing a little at sharp edges.
  const std::vector<unsigned> alphas = alphas_of(jxl);
  const std::vector<unsigned> exact = alphas_of(process(source, "100x100,png").bytes);
  ASSERT_EQ(alphas.size(), exact.size());
  for (std::size_t i = 0; i < alphas.size(); ++i) {
    ASSERT_LE(std::abs(static_cast<int>(alphas[i]) - static_cast<int>(exact[i])), 24) << i;
  }
  expect_quality_from_the_option_and_the_config(make_image(ImageFormat::jpeg, 400, 300),
                                                "200x200,jxl", 30, 90, options_.jxl_quality);
  const std::string photo = make_image(ImageFormat::jpeg, 400, 300);
  EXPECT_EQ(
      testing::psnr(process(photo, "200x200,jxl,q100").bytes, process(photo, "200x200,png").bytes),
      std::numeric_limits<double>::infinity());
}

TEST_F(ImagePipeline, ATranslucentPngAsJpegIsFlattenedOntoWhiteAndRounded) {
  // Grey 101 at alpha 128 over white is 177.698: 178, where truncating gives 177.
  const Magick::Color grey_at_128(101 * 257, 101 * 257, 101 * 257, (255 - 128) * 257);
  Magick::Image veil(Magick::Geometry(32, 32), grey_at_128);
  veil.matte(true);
  const std::string png = testing::encoded_as(veil, "PNG");
  ASSERT_EQ(testing::pixel_at(png, 16, 16).r, 101);  // translucent grey 101, as meant
  ASSERT_TRUE(decode(png).has_alpha);
  const std::string jpeg = process(png, "-x-,jpeg,q100").bytes;
  const testing::Rgb centre = testing::pixel_at(jpeg, 16, 16);
  EXPECT_EQ(centre.r, 178);
  EXPECT_EQ(centre.g, 178);
  EXPECT_EQ(centre.b, 178);
}

TEST_F(ImagePipeline, TransparencyOffDropsAlpha) {
  options_.transparency = false;
  Decoded d = decode(process(testing::make_png_with_alpha(200, 100), "100x100").bytes);
  EXPECT_FALSE(d.has_alpha);
}

TEST_F(ImagePipeline, AnimatedGifKeepsEveryFrame) {
  EncodedImage out = process(testing::make_animated_gif(200, 100, 3), "50x50");
  Decoded d = decode(out.bytes);
  EXPECT_EQ(d.format, "GIF");
  EXPECT_EQ(d.frames, 3u);
  EXPECT_EQ(d.width, 50u);
  EXPECT_EQ(d.height, 25u);
  EXPECT_EQ(out.width, 50u);
  EXPECT_EQ(out.height, 25u);
}

// The RGBA pixel at (x, y) of a frame decoded by testing::decode_webp_animation.
std::array<unsigned char, 4> rgba_at(const testing::WebpAnimation& animation, unsigned frame,
                                     unsigned x, unsigned y) {
  const std::string& pixels = animation.frames_rgba.at(frame);
  const std::size_t at = (std::size_t{y} * animation.width + x) * 4;
  return {static_cast<unsigned char>(pixels[at]), static_cast<unsigned char>(pixels[at + 1]),
          static_cast<unsigned char>(pixels[at + 2]), static_cast<unsigned char>(pixels[at + 3])};
}

// make_animated_gif's frames are red, green, blue, yellow, purple, in turn.
void expect_red_green_blue(const testing::WebpAnimation& animation) {
  ASSERT_EQ(animation.frames_rgba.size(), 3u);
  const unsigned x = animation.width / 2, y = animation.height / 2;
  EXPECT_GT(rgba_at(animation, 0, x, y)[0], 200);
  EXPECT_GT(rgba_at(animation, 1, x, y)[1], 100);
  EXPECT_GT(rgba_at(animation, 2, x, y)[2], 200);
  EXPECT_LT(rgba_at(animation, 2, x, y)[0], 50);
}

TEST_F(ImagePipeline, AnimatedGifToWebpKeepsEveryFrameAndItsDelay) {
  EncodedImage out = process(testing::make_animated_gif(200, 100, 3), "50x50,webp");
  EXPECT_EQ(out.format, ImageFormat::webp);
  EXPECT_EQ(out.width, 50u);
  EXPECT_EQ(out.height, 25u);
  Decoded d = decode(out.bytes);
  EXPECT_EQ(d.format, "WEBP");
  EXPECT_EQ(d.frames, 3u);
  testing::WebpAnimation animation = testing::decode_webp_animation(out.bytes);
  EXPECT_EQ(animation.width, 50u);
  EXPECT_EQ(animation.height, 25u);
  EXPECT_EQ(animation.durations_ms, (std::vector<int>{100, 100, 100}));  // 10 cs each
  EXPECT_EQ(animation.loop_count, 0u);                                   // forever, as the GIF
  expect_red_green_blue(animation);
}

TEST_F(ImagePipeline, AnimatedGifBecomesAnimatedWebpWhenWebpIsPreferred) {
  EncodedImage out = process(testing::make_animated_gif(200, 100, 3), "50x50", {ImageFormat::webp});
  EXPECT_EQ(out.format, ImageFormat::webp);
  testing::WebpAnimation animation = testing::decode_webp_animation(out.bytes);
  EXPECT_EQ(animation.width, 50u);
  EXPECT_EQ(animation.height, 25u);
  expect_red_green_blue(animation);
  // Even when it fits the box as it is.
  EncodedImage small =
      process(testing::make_animated_gif(40, 20, 3), "150x150", {ImageFormat::webp});
  EXPECT_EQ(decode(small.bytes).frames, 3u);
}

std::string gif_of(std::list<Magick::Image>& frames) {
  for (Magick::Image& frame : frames) frame.magick("GIF");
  Magick::Blob blob;
  Magick::writeImages(frames.begin(), frames.end(), &blob, true);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

// An animated GIF of 40×20 frames with these delays (centiseconds) and iterations, the left
// half of each frame transparent, the right half a colour of its own.
std::string timed_transparent_gif(const std::vector<unsigned>& delays, unsigned iterations) {
  const char* colours[] = {"red", "green", "blue"};
  std::list<Magick::Image> frames;
  for (std::size_t i = 0; i < delays.size(); ++i) {
    Magick::Image frame(Magick::Geometry(40, 20), Magick::Color(colours[i % 3]));
    frame.fillColor("white");
    frame.draw(Magick::DrawableRectangle(0, 0, 19, 19));
    frame.transparent("white");
    frame.animationDelay(delays[i]);
    frame.animationIterations(iterations);
    frame.gifDisposeMethod(2);  // restore to the background: the left half stays clear
    frames.push_back(frame);
  }
  return gif_of(frames);
}

TEST_F(ImagePipeline, AnimatedWebpPlaysLikeTheGif) {
  // Browsers play a GIF's delays of 10 ms or less as 100 ms, and its loop count N N + 1
  // times.
  const std::string gif = timed_transparent_gif({0, 7, 25}, 3);
  ASSERT_TRUE(decode(gif).has_alpha);
  std::string webp = process(gif, "-x-,webp").bytes;
  testing::WebpAnimation animation = testing::decode_webp_animation(webp);
  EXPECT_EQ(animation.durations_ms, (std::vector<int>{100, 70, 250}));
  EXPECT_EQ(animation.loop_count, 4u);
  for (unsigned frame = 0; frame < 3; ++frame) {
    EXPECT_EQ(rgba_at(animation, frame, 5, 10)[3], 0) << frame;     // transparent half
    EXPECT_EQ(rgba_at(animation, frame, 35, 10)[3], 255) << frame;  // opaque half
  }
  // No loop extension: played once.
  std::string once = process(timed_transparent_gif({5, 5}, 1), "-x-,webp").bytes;
  EXPECT_EQ(testing::decode_webp_animation(once).loop_count, 1u);
}

// An animated GIF of photo-like frames (dithered to 256 colours): detail that quality shows.
std::string photo_animation() {
  std::string png = make_image(ImageFormat::png, 320, 240);
  std::list<Magick::Image> frames;
  for (int i = 0; i < 3; ++i) {
    Magick::Image frame(Magick::Blob(png.data(), png.size()));
    frame.roll(40 * i, 0);
    frame.animationDelay(10);
    frames.push_back(frame);
  }
  return gif_of(frames);
}

TEST_F(ImagePipeline, AnimatedWebpQualityFromTheOptionAndTheConfig) {
  expect_quality_from_the_option_and_the_config(photo_animation(), "160x160,webp", 30, 95,
                                                options_.webp_quality);
}

TEST_F(ImagePipeline, CmykBecomesRgb) {
  std::string source = testing::make_cmyk_jpeg(400, 300);
  ASSERT_TRUE(decode(source).cmyk);
  Decoded resized = decode(process(source, "200x200").bytes);
  EXPECT_FALSE(resized.cmyk);
  EXPECT_EQ(resized.width, 200u);
  EXPECT_EQ(resized.height, 150u);
  // Even when no resize is needed.
  Decoded same_size = decode(process(source, "1000x1000").bytes);
  EXPECT_FALSE(same_size.cmyk);
  EXPECT_EQ(same_size.width, 400u);
}

TEST_F(ImagePipeline, FormatConversion) {
  EncodedImage webp = process(make_image(ImageFormat::png, 300, 200), "150x150,webp");
  EXPECT_EQ(webp.format, ImageFormat::webp);
  Decoded d = decode(webp.bytes);
  EXPECT_EQ(d.format, "WEBP");
  EXPECT_EQ(d.width, 150u);
  EXPECT_EQ(d.height, 100u);

  EncodedImage png = process(make_image(ImageFormat::jpeg, 300, 200), "150x150,png");
  EXPECT_EQ(png.format, ImageFormat::png);
  EXPECT_EQ(decode(png.bytes).format, "PNG");

  // A small image still changes format when asked to.
  std::string small = make_image(ImageFormat::png, 16, 16);
  EncodedImage converted = process(small, "150x150,jpeg");
  EXPECT_EQ(decode(converted.bytes).format, "JPEG");
  EXPECT_EQ(decode(converted.bytes).width, 16u);
}

TEST_F(ImagePipeline, PreferredWebpForStillImages) {
  EncodedImage out =
      process(make_image(ImageFormat::jpeg, 300, 200), "150x150", {ImageFormat::webp});
  EXPECT_EQ(out.format, ImageFormat::webp);
  EXPECT_EQ(decode(out.bytes).format, "WEBP");
  // An explicit format wins over the negotiated one.
  EncodedImage explicit_png =
      process(make_image(ImageFormat::jpeg, 300, 200), "150x150,png", {ImageFormat::webp});
  EXPECT_EQ(decode(explicit_png.bytes).format, "PNG");
  // A small image is converted too rather than passed through in the old format.
  EncodedImage small =
      process(make_image(ImageFormat::jpeg, 16, 16), "150x150", {ImageFormat::webp});
  EXPECT_EQ(decode(small.bytes).format, "WEBP");
}

TEST_F(ImagePipeline, AnimatedGifToAvifKeepsEveryFrameAndItsDelayWhenItLoopsForever) {
  EncodedImage out = process(testing::make_animated_gif(200, 100, 3), "50x50,avif");
  EXPECT_EQ(out.format, ImageFormat::avif);
  EXPECT_EQ(testing::avif_durations_ms(out.bytes), (std::vector<unsigned>{100, 100, 100}));
  const Decoded first = decode(out.bytes);
  EXPECT_EQ(first.width, 50u);
  EXPECT_EQ(first.height, 25u);
  EXPECT_GT(testing::pixel_at(testing::readable(out.bytes), 25, 12).r, 200);  // red, as frame 1
  // A GIF that plays once stays a still AVIF: libavif 0.11 writes no repetition count.
  const std::string looping = testing::make_animated_gif(200, 100, 3);
  std::list<Magick::Image> once;
  Magick::readImages(&once, Magick::Blob(looping.data(), looping.size()));
  for (Magick::Image& frame : once) frame.animationIterations(1);
  EXPECT_EQ(testing::avif_durations_ms(process(gif_of(once), "50x50,avif").bytes).size(), 1u);
}

TEST_F(ImagePipeline, TheFirstNegotiatedFormatThatHoldsThePictureWins) {
  const std::vector<ImageFormat> avif_then_webp = {ImageFormat::avif, ImageFormat::webp};
  EncodedImage still = process(make_image(ImageFormat::jpeg, 300, 200), "150x150", avif_then_webp);
  EXPECT_EQ(still.format, ImageFormat::avif);
  EXPECT_TRUE(testing::is_avif(still.bytes));
  EXPECT_EQ(decode(testing::readable(still.bytes)).width, 150u);
  // A looping animated GIF becomes an animated AVIF.
  const std::string animation = testing::make_animated_gif(200, 100, 3);
  EncodedImage animated = process(animation, "50x50", avif_then_webp);
  EXPECT_EQ(animated.format, ImageFormat::avif);
  EXPECT_EQ(decode(animated.bytes).frames, 3u);
  // A GIF that stops is no AVIF animation: it goes to the next format, WebP, whole.
  std::list<Magick::Image> once;
  Magick::readImages(&once, Magick::Blob(animation.data(), animation.size()));
  for (Magick::Image& frame : once) frame.animationIterations(1);
  EncodedImage webp = process(gif_of(once), "50x50", avif_then_webp);
  EXPECT_EQ(webp.format, ImageFormat::webp);
  EXPECT_EQ(testing::decode_webp_animation(webp.bytes).durations_ms.size(), 3u);
  // With no format after AVIF it stays an animated GIF.
  EncodedImage gif = process(gif_of(once), "50x50", {ImageFormat::avif});
  EXPECT_EQ(gif.format, ImageFormat::gif);
  EXPECT_EQ(decode(gif.bytes).frames, 3u);
}

TEST_F(ImagePipeline, AnAnimatedWebpThatFitsIsPassedThroughWhateverIsNegotiated) {
  const std::string animated_webp =
      process(testing::make_animated_gif(40, 20, 3), "-x-,webp").bytes;
  ASSERT_EQ(decode(animated_webp).frames, 3u);
  const EncodedImage out =
      process(animated_webp, "150x150", {ImageFormat::jxl, ImageFormat::avif, ImageFormat::webp});
  EXPECT_EQ(out.format, ImageFormat::webp);
  EXPECT_TRUE(out.bytes == animated_webp);
}

TEST_F(ImagePipeline, AnimatedGifToJxlKeepsEveryFrameItsDelayAndItsLoops) {
  const std::string looping = testing::make_animated_gif(200, 100, 3);
  EncodedImage out = process(looping, "50x50,jxl");
  EXPECT_EQ(out.format, ImageFormat::jxl);
  const testing::JxlTiming timing = testing::jxl_timing(out.bytes);
  EXPECT_EQ(timing.durations_ms, (std::vector<unsigned>{100, 100, 100}));
  EXPECT_EQ(timing.loops, 0u);  // forever, as the GIF
  EXPECT_EQ(decode(out.bytes).width, 50u);
  std::list<Magick::Image> once;
  Magick::readImages(&once, Magick::Blob(looping.data(), looping.size()));
  for (Magick::Image& frame : once) frame.animationIterations(1);  // no loop extension
  EXPECT_EQ(testing::jxl_timing(process(gif_of(once), "50x50,jxl").bytes).loops, 1u);
}

TEST_F(ImagePipeline, QualityOptionChangesSize) {
  std::string source = make_image(ImageFormat::jpeg, 640, 480);
  std::size_t q30 = process(source, "320x320,q30").bytes.size();
  std::size_t q95 = process(source, "320x320,q95").bytes.size();
  EXPECT_LT(q30, q95);
  std::size_t webp30 = process(source, "320x320,webp,q30").bytes.size();
  std::size_t webp95 = process(source, "320x320,webp,q95").bytes.size();
  EXPECT_LT(webp30, webp95);
}

TEST_F(ImagePipeline, PngCompressionIsConfigurable) {
  Magick::Image gradient(Magick::Geometry(640, 480), Magick::Color("white"));
  gradient.read("gradient:red-blue");
  gradient.depth(8);
  gradient.magick("PNG");
  Magick::Blob blob;
  gradient.write(&blob);
  const std::string source(static_cast<const char*>(blob.data()), blob.length());
  options_.png_compression = 1;
  std::string fast = process(source, "320x240").bytes;
  options_.png_compression = 9;
  std::string smallest = process(source, "320x240").bytes;
  EXPECT_EQ(decode(smallest).format, "PNG");
  EXPECT_LT(smallest.size(), fast.size());
  EXPECT_TRUE(std::isinf(testing::psnr(fast, smallest)));  // lossless either way
}

TEST_F(ImagePipeline, ResizeFilterIsConfigurable) {
  std::string source = make_progressive_jpeg(900, 600);
  std::string mitchell = process(source, "300x200,png").bytes;
  options_.resize_filter = ResizeFilter::lanczos;
  std::string lanczos = process(source, "300x200,png").bytes;
  options_.resize_filter = ResizeFilter::triangle;
  std::string triangle = process(source, "300x200,png").bytes;
  EXPECT_EQ(decode(lanczos).width, 300u);
  EXPECT_NE(lanczos, mitchell);
  EXPECT_NE(triangle, mitchell);
  // Different kernels, one picture: about 48 and 57 dB. Point sampling gives 37, the picture
  // a pixel off 40, a hue turned by 3% 33.
  EXPECT_GT(testing::psnr(lanczos, mitchell), 44.0);
  EXPECT_GT(testing::psnr(triangle, mitchell), 44.0);
}

TEST_F(ImagePipeline, ConfiguredQualityIsTheDefault) {
  std::string source = make_image(ImageFormat::jpeg, 640, 480);
  options_.jpeg_quality = 30;
  std::size_t low = process(source, "320x320").bytes.size();
  EXPECT_EQ(low, process(source, "320x320,q30").bytes.size());
  options_.jpeg_quality = 95;
  EXPECT_LT(low, process(source, "320x320").bytes.size());
}

bool has_marker(const std::string& jpeg, unsigned char marker) {
  return jpeg.find(std::string{'\xff', static_cast<char>(marker)}) != std::string::npos;
}

TEST_F(ImagePipeline, InterlaceMakesProgressiveJpeg) {
  std::string source = make_image(ImageFormat::jpeg, 640, 480);
  std::string progressive = process(source, "320x320").bytes;
  EXPECT_TRUE(has_marker(progressive, 0xc2));  // SOF2
  options_.interlace = false;
  std::string baseline = process(source, "320x320").bytes;
  EXPECT_TRUE(has_marker(baseline, 0xc0));  // SOF0
  EXPECT_FALSE(has_marker(baseline, 0xc2));
}

// The progressive JPEG with its first AC scan naming a component the frame does not have.
std::string with_broken_ac_scan(std::string jpeg) {
  for (auto at = jpeg.find("\xff\xda"); at != std::string::npos;
       at = jpeg.find("\xff\xda", at + 2)) {
    std::size_t components = static_cast<unsigned char>(jpeg[at + 4]);
    if (jpeg[at + 5 + 2 * components] != 0) {  // spectral selection start: an AC scan
      jpeg[at + 5] = '\x7f';
      return jpeg;
    }
  }
  ADD_FAILURE() << "no AC scan";
  return jpeg;
}

TEST_F(ImagePipeline, SmallThumbnailsOfProgressiveJpegsDecodeOnlyTheDcScans) {
  std::string broken = with_broken_ac_scan(make_progressive_jpeg(1600, 1200));
  EXPECT_EQ(decode(process(broken, "100x100").bytes).width, 100u);
  EXPECT_EQ(failure(broken, "400x400"), Errc::unsupported_image);  // needs the AC scans
}

TEST_F(ImagePipeline, ThumbnailsOfProgressiveJpegsLookLikeThoseOfBaselineOnes) {
  // At 1/16 of the source or less only the DC scans of a progressive JPEG are decoded.
  std::string progressive = process(make_progressive_jpeg(1600, 1200), "100x100").bytes;
  std::string baseline = process(make_image(ImageFormat::jpeg, 1600, 1200), "100x100").bytes;
  Decoded out = decode(progressive);
  EXPECT_EQ(out.width, 100u);
  EXPECT_EQ(out.height, 75u);
  // About 49 dB; point sampling gives 32, a gamma of 1.1 or a hue turned by 3% 32 or 33.
  EXPECT_GT(testing::psnr(progressive, baseline), 43.0);
}

TEST_F(ImagePipeline, ProgressiveJpegsOfTooManyScansAreUnsupported) {
  // 570 scans, each a pass over every block: refused by every decoder, GraphicsMagick's too.
  const std::string many =
      testing::make_libjpeg_progressive(256, 192, {.scan_per_coefficient = true});
  EXPECT_EQ(failure(many, "64x64"), Errc::unsupported_image);
  EXPECT_EQ(failure(many, "200x200"), Errc::unsupported_image);
}

TEST_F(ImagePipeline, NonImagesAreUnsupported) {
  EXPECT_EQ(failure("<html><body>Not Found</body></html>", "150x150"), Errc::unsupported_image);
  EXPECT_EQ(failure("", "150x150"), Errc::unsupported_image);
  EXPECT_EQ(
      failure("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>", "150x150"),
      Errc::unsupported_image);
}

TEST_F(ImagePipeline, TruncatedImagesAreUnsupported) {
  std::string jpeg = make_image(ImageFormat::jpeg, 640, 480);
  EXPECT_EQ(failure(jpeg.substr(0, jpeg.size() / 2), "150x150"), Errc::unsupported_image);
  std::string png = make_image(ImageFormat::png, 640, 480);
  EXPECT_EQ(failure(png.substr(0, png.size() / 2), "150x150"), Errc::unsupported_image);
}

// A 300x200 photograph (or a translucent one) as Debian's avifenc, heif-enc or cjxl
// write it.
std::string made_by(ImageFormat format, bool translucent = false) {
  const std::string png = testing::converted(
      "gm convert {in} -depth 8 {out}",
      translucent ? testing::make_png_with_alpha(300, 200) : make_image(ImageFormat::png, 300, 200),
      "in.png", "out.png");
  switch (format) {
    case ImageFormat::avif:
      return testing::converted("avifenc -s 8 {in} {out}", png, "in.png", "out.avif");
    case ImageFormat::heic:
      return testing::converted("heif-enc -q 60 {in} -o {out}", png, "in.png", "out.heic");
    default:
      return testing::converted("cjxl {in} {out}", png, "in.png", "out.jxl");
  }
}

TEST_F(ImagePipeline, AvifHeicAndJxlSourcesAreReadByTheirLibraries) {
  for (ImageFormat format : {ImageFormat::avif, ImageFormat::heic, ImageFormat::jxl}) {
    SCOPED_TRACE(format_name(format));
    const std::string source = made_by(format);
    const ImageHeader header = probe_image(source, {}, true);
    EXPECT_EQ(header.format, format);
    EXPECT_EQ(header.width, 300u);
    EXPECT_EQ(header.height, 200u);
    EXPECT_EQ(info_json(header), "{ \"img\" : { \"width\": 300, \"height\": 200, \"type\": \"" +
                                     std::string(format_name(format)) + "\" } }\r\n");
    // AVIF kept as AVIF; HEIC and JPEG XL, which not every browser shows, become JPEG.
    const EncodedImage out = process(source, "150x150");
    EXPECT_EQ(out.format, format == ImageFormat::avif ? format : ImageFormat::jpeg);
    const Decoded d = decode(out.bytes);
    EXPECT_EQ(d.width, 150u);
    EXPECT_EQ(d.height, 100u);
    EXPECT_FALSE(d.has_alpha);
    EXPECT_GT(testing::psnr(process(source, "150x150,png").bytes,
                            process(make_image(ImageFormat::png, 300, 200), "150x150,png").bytes),
              30.0);
    // Transparency read, and kept: a translucent HEIC or JPEG XL becomes PNG.
    const EncodedImage translucent = process(made_by(format, true), "150x150");
    EXPECT_EQ(translucent.format, format == ImageFormat::avif ? format : ImageFormat::png);
    // Asked, or negotiated, JPEG XL stays JPEG XL.
    if (format == ImageFormat::jxl) {
      EXPECT_EQ(process(source, "150x150", {ImageFormat::jxl}).format, ImageFormat::jxl);
      EXPECT_EQ(process(source, "150x150,jxl").format, ImageFormat::jxl);
    }
    EXPECT_TRUE(decode(translucent.bytes).has_alpha);
  }
}

TEST_F(ImagePipeline, AnimatedAvifAndJxlSourcesGiveTheirFirstFrame) {
  const std::string gif = testing::make_animated_gif(200, 100, 5);
  for (const char* written : {"-x-,avif", "-x-,jxl"}) {
    SCOPED_TRACE(written);
    const std::string animation = process(gif, written).bytes;
    ASSERT_EQ(decode(animation).frames, 5u);
    const EncodedImage out = process(animation, "50x50,png");
    const Decoded d = decode(out.bytes);
    EXPECT_EQ(d.frames, 1u);
    EXPECT_EQ(d.width, 50u);
    EXPECT_GT(testing::pixel_at(out.bytes, 25, 12).r, 200);  // the first frame is red
  }
}

TEST_F(ImagePipeline, BrokenOrOversizedAvifHeicAndJxlAreUnsupported) {
  for (ImageFormat format : {ImageFormat::avif, ImageFormat::heic, ImageFormat::jxl}) {
    SCOPED_TRACE(format_name(format));
    const std::string source = made_by(format);
    for (std::size_t keep : {source.size() / 2, std::size_t{24}}) {
      EXPECT_EQ(failure(source.substr(0, keep), "150x150"), Errc::unsupported_image) << keep;
    }
    // Damage inside the coded picture: a clean refusal, or a whole picture of the right
    // size (HEVC and AV1 decoders conceal errors; nothing tells them apart from a photo).
    std::string damaged = source;
    for (std::size_t i = damaged.size() / 3; i < damaged.size(); i += 7) damaged[i] ^= 0x5a;
    for (const std::string& broken : {damaged, source.substr(0, source.size() - 40)}) {
      try {
        EXPECT_EQ(decode(process(broken, "150x150").bytes).width, 150u);
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unsupported_image);
      }
    }
    options_.limits.max_source_pixels = 300 * 200 - 1;
    EXPECT_EQ(failure(source, "150x150"), Errc::unsupported_image);
    options_.limits.max_source_pixels = 300 * 200;
    EXPECT_NO_THROW(process(source, "150x150"));
  }
  // An ISO-BMFF file of another brand (an MP4 video) is not an image.
  EXPECT_EQ(failure(std::string("\0\0\0\x18"
                                "ftypisom\0\0\0\0isommp41",
                                24) +
                        std::string(64, 'x'),
                    "150x150"),
            Errc::unsupported_image);
}

TEST_F(ImagePipeline, DecompressionBombsFailFast) {
  EXPECT_EQ(failure(testing::make_png_bomb(100000, 100000), "150x150"), Errc::unsupported_image);
  // Within the pixel limit but with garbage data: still a clean 415.
  EXPECT_EQ(failure(testing::make_png_bomb(3000, 3000), "150x150"), Errc::unsupported_image);
}

TEST_F(ImagePipeline, PixelLimitFromConfig) {
  options_.limits.max_source_pixels = 640 * 480 - 1;
  EXPECT_EQ(failure(make_image(ImageFormat::jpeg, 640, 480), "150x150"), Errc::unsupported_image);
  options_.limits.max_source_pixels = 640 * 480;
  EXPECT_NO_THROW(process(make_image(ImageFormat::jpeg, 640, 480), "150x150"));
}

TEST_F(ImagePipeline, TooManyFrames) {
  options_.limits.max_frames = 2;
  EXPECT_EQ(failure(testing::make_animated_gif(200, 100, 3), "50x50"), Errc::unsupported_image);
  EXPECT_EQ(failure(testing::make_animated_gif(200, 100, 3), "50x50,webp"),
            Errc::unsupported_image);
  options_.limits.max_frames = 3;
  EXPECT_EQ(decode(process(testing::make_animated_gif(200, 100, 3), "50x50").bytes).frames, 3u);
}

// Colour profiles (SPEC §6, §9 keep_icc). A 600×400 source becomes a 150×100 thumbnail;
// the thumbnail's pixel (x, y) stands for the source's 4×4 block at (4x, 4y).
class ImagePipelineProfiles : public ImagePipeline {
 protected:
  // Mean ΔE76 between the thumbnail and what `expected` makes of the source's colours,
  // over a grid of samples away from the edges.
  template <typename Expected>
  static double mean_delta_e(const std::string& source, const std::string& thumbnail,
                             Expected expected) {
    double sum = 0;
    int samples = 0;
    for (unsigned y = 10; y < 100; y += 20) {
      for (unsigned x = 10; x < 150; x += 20) {
        const testing::Rgb want = expected(testing::pixel_at(source, 4 * x + 2, 4 * y + 2));
        sum += testing::delta_e76(testing::pixel_at(thumbnail, x, y), want);
        ++samples;
      }
    }
    return sum / samples;
  }

  static testing::Rgb unchanged(testing::Rgb colour) { return colour; }

  static std::string icc_of(const std::string& image_bytes) {
    Magick::Image image(Magick::Blob(image_bytes.data(), image_bytes.size()));
    const Magick::Blob icc = image.iccColorProfile();
    return std::string(static_cast<const char*>(icc.data()), icc.length());
  }

  // A 600×400 photo tagged with `profile`, as a JPEG and as a PNG.
  static std::vector<std::string> tagged_photos(const std::string& profile) {
    return {testing::with_jpeg_icc(testing::make_colourful_jpeg(600, 400), profile),
            testing::with_png_icc(testing::make_colourful_png(600, 400), profile)};
  }
};

TEST_F(ImagePipelineProfiles, WideGamutPhotoIsConvertedToSrgbAndLosesItsProfile) {
  const std::string adobe_rgb = testing::adobe_rgb_profile(9000);  // a camera's 9 KB
  auto reference = [&](testing::Rgb colour) { return testing::to_srgb(adobe_rgb, colour); };
  for (const std::string& source : tagged_photos(adobe_rgb)) {
    ASSERT_TRUE(decode(source).has_icc);
    const EncodedImage out = process(source, "150x150");
    const Decoded d = decode(out.bytes);
    EXPECT_EQ(d.width, 150u);
    EXPECT_EQ(d.height, 100u);
    EXPECT_FALSE(d.has_icc) << d.format;
    EXPECT_LT(mean_delta_e(source, out.bytes, reference), 2.0) << d.format;
    // The conversion is visible: the unconverted colours are far from the reference.
    EXPECT_GT(mean_delta_e(source, out.bytes, unchanged), 5.0) << d.format;
  }
}

TEST_F(ImagePipelineProfiles, ThumbnailOfATaggedPhotoIsSmallerThanItsProfile) {
  const std::string adobe_rgb = testing::adobe_rgb_profile(9000);
  const std::string source = tagged_photos(adobe_rgb).front();
  EXPECT_LT(process(source, "150x150").bytes.size(), 4096u);  // less than the profile alone
  options_.keep_icc = true;
  EXPECT_GT(process(source, "150x150").bytes.size(), adobe_rgb.size());
}

TEST_F(ImagePipelineProfiles, KeepIccKeepsTheProfileAndThePixels) {
  options_.keep_icc = true;
  const std::string adobe_rgb = testing::adobe_rgb_profile(9000);
  for (const std::string& source : tagged_photos(adobe_rgb)) {
    const EncodedImage out = process(source, "150x150");
    EXPECT_EQ(icc_of(out.bytes), adobe_rgb);
    EXPECT_LT(mean_delta_e(source, out.bytes, unchanged), 1.5);
  }
}

TEST_F(ImagePipelineProfiles, SrgbTaggedPhotoLosesItsTagAndKeepsItsPixels) {
  for (const std::string& source : tagged_photos(testing::srgb_profile())) {
    const EncodedImage out = process(source, "150x150");
    EXPECT_FALSE(decode(out.bytes).has_icc);
    EXPECT_LT(mean_delta_e(source, out.bytes, unchanged), 1.5);
  }
}

TEST_F(ImagePipelineProfiles, GarbageProfileIsDroppedForEveryOutputFormat) {
  const std::string garbage = testing::garbage_profile(1024);
  for (bool keep_icc : {false, true}) {
    options_.keep_icc = keep_icc;
    for (const std::string& source : tagged_photos(garbage)) {
      for (const char* spec :
           {"150x150", "150x150,jpeg", "150x150,png", "150x150,webp", "150x150,gif"}) {
        try {
          const Decoded d = decode(process(source, spec).bytes);
          EXPECT_EQ(d.width, 150u) << spec;
          EXPECT_FALSE(d.has_icc) << spec;
        } catch (const Error& e) {
          ADD_FAILURE() << spec << " keep_icc=" << keep_icc << ": " << e.what();
        }
      }
    }
  }
}

TEST_F(ImagePipelineProfiles, ProfilesOverOneMegabyteAreDropped) {
  const std::size_t five_mb = 5u << 20;
  for (const std::string& profile :
       {testing::adobe_rgb_profile(five_mb), testing::garbage_profile(five_mb)}) {
    for (bool keep_icc : {false, true}) {
      options_.keep_icc = keep_icc;
      for (const std::string& source : tagged_photos(profile)) {
        const EncodedImage out = process(source, "150x150");
        EXPECT_LT(out.bytes.size(), 64u << 10) << "keep_icc=" << keep_icc;
        EXPECT_FALSE(decode(out.bytes).has_icc) << "keep_icc=" << keep_icc;
      }
    }
  }
}

std::string make_grey(ImageFormat format) {
  const std::string colour = make_image(format, 600, 400);
  Magick::Image image(Magick::Blob(colour.data(), colour.size()));
  image.type(Magick::GrayscaleType);
  Magick::Blob blob;
  image.write(&blob);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

TEST_F(ImagePipelineProfiles, GreyImagesWithAnRgbProfileBecomeEveryFormat) {
  const std::string adobe_rgb = testing::adobe_rgb_profile();
  const std::vector<std::string> sources = {
      testing::with_jpeg_icc(make_grey(ImageFormat::jpeg), adobe_rgb),
      testing::with_png_icc(make_grey(ImageFormat::png), adobe_rgb)};
  for (bool keep_icc : {false, true}) {
    options_.keep_icc = keep_icc;
    for (const std::string& source : sources) {
      for (const char* spec : {"150x150,jpeg", "150x150,png", "150x150,webp", "150x150,gif"}) {
        try {
          EXPECT_EQ(decode(process(source, spec).bytes).width, 150u) << spec;
        } catch (const Error& e) {
          ADD_FAILURE() << spec << " keep_icc=" << keep_icc << ": " << e.what();
        }
      }
    }
  }
}

TEST_F(ImagePipelineProfiles, ProfileOfAnotherColourSpaceIsDropped) {
  // An RGB profile on a CMYK JPEG does not describe its pixels.
  options_.keep_icc = true;
  const std::string source =
      testing::with_jpeg_icc(testing::make_cmyk_jpeg(400, 300), testing::adobe_rgb_profile());
  const Decoded d = decode(process(source, "200x200").bytes);
  EXPECT_FALSE(d.cmyk);
  EXPECT_FALSE(d.has_icc);
}

TEST_F(ImagePipeline, ProbeAndInfoJson) {
  ImageHeader header =
      probe_image(make_image(ImageFormat::jpeg, 640, 480), options_.limits, options_.auto_orient);
  EXPECT_EQ(info_json(header),
            "{ \"img\" : { \"width\": 640, \"height\": 480, \"type\": \"jpeg\" } }\r\n");
  header =
      probe_image(make_image(ImageFormat::webp, 33, 17), options_.limits, options_.auto_orient);
  EXPECT_EQ(info_json(header),
            "{ \"img\" : { \"width\": 33, \"height\": 17, \"type\": \"webp\" } }\r\n");
  // As viewed: EXIF orientation 6 turns 300×200 into 200×300.
  header = probe_image(testing::make_jpeg_with_orientation(300, 200, 6), options_.limits,
                       options_.auto_orient);
  EXPECT_EQ(header.width, 200u);
  EXPECT_EQ(header.height, 300u);
}

TEST_F(ImagePipeline, ProbeRejectsNonImages) {
  EXPECT_THROW(
      probe_image("plain text, not an image at all", options_.limits, options_.auto_orient), Error);
  EXPECT_THROW(
      probe_image(testing::make_png_bomb(100000, 100000), options_.limits, options_.auto_orient),
      Error);
}

// The colour a viewer shows for the CMYK pixel (x, y) of `image`: each of R, G, B is
// (1 - C, M or Y) × (1 - K), as browsers render CMYK JPEGs.
testing::Rgb viewed_cmyk(const std::string& image_bytes, unsigned x, unsigned y) {
  Magick::Image image(Magick::Blob(image_bytes.data(), image_bytes.size()));
  EXPECT_EQ(image.colorSpace(), Magick::CMYKColorspace);
  const Magick::PixelPacket cmyk = *image.getConstPixels(x, y, 1, 1);
  const double white = 1.0 - static_cast<double>(cmyk.opacity) / MaxRGB;  // K is the fourth
  auto channel = [&](double ink) { return 255.0 * (1.0 - ink / MaxRGB) * white; };
  return {channel(cmyk.red), channel(cmyk.green), channel(cmyk.blue)};
}

TEST_F(ImagePipeline, CmykPixelsBecomeTheColoursAViewerShows) {
  const std::string source = testing::make_cmyk_jpeg(400, 300);
  const std::string out = process(source, "200x200,png").bytes;
  // Away from the dark diagonal, where the 2×2 blocks of the source are flat enough.
  for (const auto& [x, y] : {std::pair{150u, 4u}, {50u, 145u}, {150u, 40u}, {30u, 100u}}) {
    const testing::Rgb want = viewed_cmyk(source, 2 * x, 2 * y);
    const testing::Rgb got = testing::pixel_at(out, x, y);
    EXPECT_LT(testing::delta_e76(got, want), 3.0)
        << "at " << x << "," << y << ": " << got.r << "," << got.g << "," << got.b << " for "
        << want.r << "," << want.g << "," << want.b;
  }
}

// The sum of the differences between neighbouring pixels: how crisp an image's edges are.
double edge_energy(const std::string& image_bytes) {
  Magick::Image image(Magick::Blob(image_bytes.data(), image_bytes.size()));
  const Magick::PixelPacket* pixels = image.getConstPixels(0, 0, image.columns(), image.rows());
  double sum = 0;
  for (std::size_t y = 0; y < image.rows(); ++y) {
    for (std::size_t x = 1; x < image.columns(); ++x) {
      const Magick::PixelPacket& a = pixels[y * image.columns() + x - 1];
      const Magick::PixelPacket& b = pixels[y * image.columns() + x];
      sum += std::abs(static_cast<double>(a.green) - b.green);
    }
  }
  return sum;
}

TEST_F(ImagePipeline, SharpenMakesEdgesCrisperAndKeepsThePicture) {
  const std::string source = make_image(ImageFormat::png, 900, 600);
  const std::string plain = process(source, "300x200,png").bytes;
  options_.sharpen = 150;
  const std::string sharp = process(source, "300x200,png").bytes;
  EXPECT_GT(edge_energy(sharp), 1.1 * edge_energy(plain));
  EXPECT_GT(testing::psnr(sharp, plain), 25.0);
}

TEST_F(ImagePipeline, ConfiguredWebpQualityIsTheDefaultForStillImages) {
  const std::string source = make_image(ImageFormat::png, 640, 480);
  options_.webp_quality = 30;
  const std::string low = process(source, "320x320,webp").bytes;
  EXPECT_EQ(low, process(source, "320x320,webp,q30").bytes);
  options_.webp_quality = 95;
  EXPECT_EQ(process(source, "320x320,webp").bytes, process(source, "320x320,webp,q95").bytes);
  EXPECT_LT(low.size(), process(source, "320x320,webp").bytes.size());
}

}  // namespace
}  // namespace imgcache
