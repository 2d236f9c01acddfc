#include "tests/support/icc_images.h"

#include <Magick++.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/image_request.h"
#include "core/imaging/lcms_handles.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

using Profile = LcmsProfile;
using Transform = LcmsTransform;

std::string saved(cmsHPROFILE profile) {
  cmsUInt32Number length = 0;
  if (!cmsSaveProfileToMem(profile, nullptr, &length)) throw std::runtime_error("lcms: save");
  std::string bytes(length, '\0');
  if (!cmsSaveProfileToMem(profile, bytes.data(), &length)) throw std::runtime_error("lcms: save");
  return bytes;
}

Profile opened(const std::string& bytes) {
  Profile profile(cmsOpenProfileFromMem(bytes.data(), static_cast<cmsUInt32Number>(bytes.size())));
  if (!profile) throw std::runtime_error("lcms: not a profile");
  return profile;
}

std::string big_endian32(std::size_t value) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((value >> (24 - 8 * i)) & 0xff);
  return bytes;
}

double hue_channel(double hue, double offset) {
  const double h = std::fmod(hue + offset, 1.0) * 6.0;
  return std::clamp(std::abs(h - 3.0) - 1.0, 0.0, 1.0);
}

Magick::Image colourful(unsigned width, unsigned height) {
  make_image(ImageFormat::png, 1, 1);  // initialises the library
  std::vector<unsigned char> pixels(std::size_t{width} * height * 3);
  for (unsigned y = 0; y < height; ++y) {
    const double value = 1.0 - 0.5 * y / height;
    for (unsigned x = 0; x < width; ++x) {
      const double hue = static_cast<double>(x) / width;
      unsigned char* p = &pixels[(std::size_t{y} * width + x) * 3];
      for (int c = 0; c < 3; ++c) {
        const double saturated = hue_channel(hue, (3 - c) % 3 / 3.0);
        p[c] = static_cast<unsigned char>(std::lround(255 * value * (0.1 + 0.9 * saturated)));
      }
    }
  }
  return Magick::Image(width, height, "RGB", Magick::CharPixel, pixels.data());
}

std::string encoded(Magick::Image image, const char* format, unsigned quality) {
  image.magick(format);
  image.quality(quality);
  Magick::Blob blob;
  image.write(&blob);
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

std::string jpeg_segment(unsigned char marker, const std::string& payload) {
  const std::size_t length = payload.size() + 2;
  std::string segment = {'\xff', static_cast<char>(marker), static_cast<char>(length >> 8),
                         static_cast<char>(length & 0xff)};
  return segment + payload;
}

std::string png_chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  const uLong crc =
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  return big_endian32(data.size()) + body + big_endian32(crc);
}

std::string deflated(const std::string& bytes) {
  uLongf length = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(length, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &length,
                reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uLong>(bytes.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    throw std::runtime_error("zlib: compress");
  }
  out.resize(length);
  return out;
}

}  // namespace

std::string adobe_rgb_profile(std::size_t padded_to) {
  const cmsCIExyY d65 = {0.3127, 0.3290, 1.0};
  const cmsCIExyYTRIPLE primaries = {{0.64, 0.33, 1.0}, {0.21, 0.71, 1.0}, {0.15, 0.06, 1.0}};
  cmsToneCurve* gamma = cmsBuildGamma(nullptr, 563.0 / 256.0);
  cmsToneCurve* curves[3] = {gamma, gamma, gamma};
  Profile profile(cmsCreateRGBProfile(&d65, &primaries, curves));
  cmsFreeToneCurve(gamma);
  cmsMLU* description = cmsMLUalloc(nullptr, 1);
  cmsMLUsetASCII(description, "en", "US", "Adobe RGB (1998)");
  cmsWriteTag(profile.get(), cmsSigProfileDescriptionTag, description);
  cmsMLUfree(description);
  const std::size_t size = saved(profile.get()).size();
  if (padded_to > size) {
    const std::string filler(padded_to - size - 12, 'x');  // 12: the tag's directory entry
    cmsWriteRawTag(profile.get(), static_cast<cmsTagSignature>(0x70616420),  // 'pad '
                   filler.data(), static_cast<cmsUInt32Number>(filler.size()));
  }
  return saved(profile.get());
}

std::string srgb_profile() {
  Profile profile(cmsCreate_sRGBProfile());
  return saved(profile.get());
}

std::string garbage_profile(std::size_t size) {
  std::string bytes(size, '\0');
  std::uint32_t state = 88172645u;  // xorshift: the same garbage every run
  for (char& byte : bytes) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    byte = static_cast<char>(state);
  }
  bytes.replace(0, 4, big_endian32(size));
  bytes.replace(36, 4, "acsp");
  return bytes;
}

std::string make_colourful_png(unsigned width, unsigned height) {
  return encoded(colourful(width, height), "PNG", 95);
}

std::string make_colourful_jpeg(unsigned width, unsigned height) {
  return encoded(colourful(width, height), "JPEG", 95);
}

std::string with_jpeg_icc(const std::string& jpeg, const std::string& profile) {
  constexpr std::size_t kChunk = 65519;  // a segment's 65533 payload bytes less the header
  const std::size_t count = (profile.size() + kChunk - 1) / kChunk;
  if (count > 255) throw std::runtime_error("profile too large for a JPEG");
  std::string segments;
  for (std::size_t i = 0; i < count; ++i) {
    std::string payload("ICC_PROFILE\0", 12);
    payload += static_cast<char>(i + 1);
    payload += static_cast<char>(count);
    payload += profile.substr(i * kChunk, kChunk);
    segments += jpeg_segment(0xe2, payload);
  }
  return jpeg.substr(0, 2) + segments + jpeg.substr(2);
}

std::string with_png_icc(const std::string& png, const std::string& profile) {
  constexpr std::size_t kAfterIhdr = 8 + 25;  // signature, then IHDR's length, type, data, CRC
  const std::string data = std::string("ICC Profile\0\0", 13) + deflated(profile);
  return png.substr(0, kAfterIhdr) + png_chunk("iCCP", data) + png.substr(kAfterIhdr);
}

Rgb pixel_at(const std::string& image_bytes, unsigned x, unsigned y) {
  const std::string bytes = readable(image_bytes);
  Magick::Image image(Magick::Blob(bytes.data(), bytes.size()));
  const Magick::Color colour = image.pixelColor(x, y);
  constexpr double kScale = 255.0 / MaxRGB;
  return {colour.redQuantum() * kScale, colour.greenQuantum() * kScale,
          colour.blueQuantum() * kScale};
}

Rgb to_srgb(const std::string& profile_bytes, Rgb colour) {
  Profile source = opened(profile_bytes);
  Profile srgb(cmsCreate_sRGBProfile());
  Transform transform(cmsCreateTransform(source.get(), TYPE_RGB_DBL, srgb.get(), TYPE_RGB_DBL,
                                         INTENT_RELATIVE_COLORIMETRIC, 0));
  const double in[3] = {colour.r / 255, colour.g / 255, colour.b / 255};
  double out[3];
  cmsDoTransform(transform.get(), in, out, 1);
  return {std::clamp(out[0], 0.0, 1.0) * 255, std::clamp(out[1], 0.0, 1.0) * 255,
          std::clamp(out[2], 0.0, 1.0) * 255};
}

double delta_e76(Rgb a, Rgb b) {
  Profile srgb(cmsCreate_sRGBProfile());
  Profile lab(cmsCreateLab4Profile(nullptr));
  Transform transform(cmsCreateTransform(srgb.get(), TYPE_RGB_DBL, lab.get(), TYPE_Lab_DBL,
                                         INTENT_RELATIVE_COLORIMETRIC, 0));
  const double in[6] = {a.r / 255, a.g / 255, a.b / 255, b.r / 255, b.g / 255, b.b / 255};
  cmsCIELab out[2];
  cmsDoTransform(transform.get(), in, out, 2);
  return cmsDeltaE(&out[0], &out[1]);
}

}  // namespace imgcache::testing
