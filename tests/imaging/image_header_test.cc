// Magic-byte sniffing and header dimensions (reference nginx-semantics §1.2–1.3), on images
// generated at test time.
#include "core/imaging/image_header.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "tests/support/test_images.h"

namespace imgcache {
namespace {

using testing::make_image;

const ImageFormat kFormats[] = {ImageFormat::jpeg, ImageFormat::png, ImageFormat::gif,
                                ImageFormat::webp};

TEST(SniffFormat, TheFourFormats) {
  for (ImageFormat format : kFormats) {
    EXPECT_EQ(sniff_format(make_image(format, 32, 24)), format) << format_name(format);
  }
}

TEST(SniffFormat, GifVersions) {
  std::string gif = make_image(ImageFormat::gif, 32, 24);
  gif.replace(0, 6, "GIF87a");
  EXPECT_EQ(sniff_format(gif), ImageFormat::gif);
  gif.replace(0, 6, "GIF88a");
  EXPECT_EQ(sniff_format(gif), std::nullopt);
}

TEST(SniffFormat, RejectsEverythingElse) {
  const std::string padding(64, 'x');
  const std::string not_images[] = {
      "<html><body>404 Not Found</body></html>" + padding,
      "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>" + padding,
      "<svg width=\"10\" height=\"10\"></svg>" + padding,
      std::string("II*\0", 4) + padding,                    // TIFF, little-endian
      std::string("MM\0*", 4) + padding,                    // TIFF, big-endian
      "BM" + padding,                                       // BMP
      std::string("\x1f\x8b\x08\0", 4) + padding,           // gzip (e.g. a Content-Encoding mix-up)
      std::string("RIFF\x10\0\0\0WAVEfmt ", 16) + padding,  // RIFF but not WebP
      std::string("\0\0\0\x18"
                  "ftypisom\0\0\0\0isommp41",
                  24) +
          padding,  // MP4 video: ISO-BMFF, but no image brand
      std::string("\0\0\0\x14"
                  "ftypmif1\0\0\0\0mif1",
                  20) +
          padding,  // HEIF of no brand imgcache reads
      "",
  };
  for (const std::string& bytes : not_images) {
    EXPECT_EQ(sniff_format(bytes), std::nullopt) << bytes.substr(0, 12);
  }
}

TEST(SniffFormat, AvifHeicAndJpegXlByTheirSignatures) {
  const std::string padding(64, 'x');
  auto ftyp = [&](std::string_view brands) {
    return std::string("\0\0\0", 3) + static_cast<char>(8 + brands.size()) + "ftyp" +
           std::string(brands) + padding;
  };
  EXPECT_EQ(sniff_format(ftyp(std::string("avif\0\0\0\0mif1miaf", 16))), ImageFormat::avif);
  // A compatible brand counts too.
  EXPECT_EQ(sniff_format(ftyp(std::string("mif1\0\0\0\0avifmiaf", 16))), ImageFormat::avif);
  EXPECT_EQ(sniff_format(ftyp(std::string("heic\0\0\0\0mif1heic", 16))), ImageFormat::heic);
  EXPECT_EQ(sniff_format(ftyp(std::string("mif1\0\0\0\0heixmiaf", 16))), ImageFormat::heic);
  // Brands past the box's own length are not its brands.
  std::string short_box = ftyp(std::string("mif1\0\0\0\0avif", 12));
  short_box[3] = 16;
  EXPECT_EQ(sniff_format(short_box), std::nullopt);
  EXPECT_EQ(sniff_format("\xff\x0a" + padding), ImageFormat::jxl);  // a bare codestream
  EXPECT_EQ(sniff_format(std::string("\0\0\0\x0cJXL \r\n\x87\n", 12) + padding),
            ImageFormat::jxl);  // the container
}

TEST(SniffFormat, NeedsSixteenBytes) {
  // nginx's image_filter tests the type only with at least 16 bytes.
  for (ImageFormat format : kFormats) {
    std::string bytes = make_image(format, 32, 24);
    EXPECT_EQ(sniff_format(bytes.substr(0, 15)), std::nullopt) << format_name(format);
    EXPECT_EQ(sniff_format(bytes.substr(0, 16)), format) << format_name(format);
  }
}

TEST(ReadImageHeader, SizesOfGeneratedImages) {
  for (ImageFormat format : kFormats) {
    for (auto [w, h] : {std::pair{640u, 480u}, {1u, 1000u}, {301u, 17u}}) {
      ImageHeader header = read_image_header(make_image(format, w, h));
      EXPECT_EQ(header.format, format);
      EXPECT_EQ(header.width, w) << format_name(format) << " " << w << "x" << h;
      EXPECT_EQ(header.height, h) << format_name(format) << " " << w << "x" << h;
      EXPECT_EQ(header.orientation, 1u);
      EXPECT_FALSE(header.cmyk);
    }
  }
}

TEST(ReadImageHeader, AnimatedGifLogicalScreen) {
  ImageHeader header = read_image_header(testing::make_animated_gif(200, 100, 3));
  EXPECT_EQ(header.format, ImageFormat::gif);
  EXPECT_EQ(header.width, 200u);
  EXPECT_EQ(header.height, 100u);
}

TEST(ReadImageHeader, ExifOrientation) {
  for (unsigned orientation = 1; orientation <= 8; ++orientation) {
    ImageHeader header =
        read_image_header(testing::make_jpeg_with_orientation(300, 200, orientation));
    EXPECT_EQ(header.orientation, orientation);
    EXPECT_EQ(header.width, 300u);  // the stored size, before orientation
    EXPECT_EQ(header.height, 200u);
  }
  // Out-of-range tag values mean "as stored".
  EXPECT_EQ(read_image_header(testing::make_jpeg_with_orientation(30, 20, 9)).orientation, 1u);
}

TEST(ReadImageHeader, CmykJpeg) {
  ImageHeader header = read_image_header(testing::make_cmyk_jpeg(64, 48));
  EXPECT_TRUE(header.cmyk);
  EXPECT_EQ(header.width, 64u);
  EXPECT_EQ(header.height, 48u);
}

TEST(ReadImageHeader, HeavyMetadataRule) {
  // nginx forces a re-encode when APP1..APP15 segments are over 5 % of a JPEG.
  std::string jpeg = make_image(ImageFormat::jpeg, 64, 64);
  EXPECT_FALSE(read_image_header(jpeg).heavy_metadata);
  std::string payload(jpeg.size() / 10, 'm');
  std::string app2 = "\xff\xe2";
  app2 += static_cast<char>((payload.size() + 2) >> 8);
  app2 += static_cast<char>((payload.size() + 2) & 0xff);
  std::string heavy = jpeg.substr(0, 2) + app2 + payload + jpeg.substr(2);
  ImageHeader header = read_image_header(heavy);
  EXPECT_TRUE(header.heavy_metadata);
  EXPECT_EQ(header.width, 64u);
}

TEST(ReadImageHeader, PngBombReportsTheAnnouncedSize) {
  ImageHeader header = read_image_header(testing::make_png_bomb(100000, 100000));
  EXPECT_EQ(header.format, ImageFormat::png);
  EXPECT_EQ(header.width, 100000u);  // full 32 bits, unlike nginx's low 16
  EXPECT_EQ(header.height, 100000u);
}

TEST(ReadImageHeader, RejectsNonImages) {
  for (const std::string& bytes :
       {std::string("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
        std::string("II*\0\x08\0\0\0\0\0\0\0\0\0\0\0\0\0", 18),
        std::string("BM") + std::string(60, '\0'), std::string("\xff\xd8\xff"), std::string()}) {
    try {
      read_image_header(bytes);
      ADD_FAILURE() << "accepted " << bytes.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Errc::unsupported_image);
    }
  }
}

TEST(ReadImageHeader, TruncatedHeadersGiveUnknownSize) {
  // The format is known from the magic bytes but the size is not: a decoder must decide.
  std::string png = make_image(ImageFormat::png, 40, 30);
  ImageHeader header = read_image_header(png.substr(0, 20));
  EXPECT_EQ(header.format, ImageFormat::png);
  EXPECT_FALSE(header.size_known());
  std::string jpeg = make_image(ImageFormat::jpeg, 40, 30);
  header = read_image_header(jpeg.substr(0, 16));
  EXPECT_EQ(header.format, ImageFormat::jpeg);
  EXPECT_FALSE(header.size_known());
}

}  // namespace
}  // namespace imgcache
