#include "core/imaging/avif_encode.h"

#include <avif/avif.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "core/error.h"

namespace imgcache {
namespace {

struct DestroyImage {
  void operator()(avifImage* image) const { avifImageDestroy(image); }
};
struct DestroyEncoder {
  void operator()(avifEncoder* encoder) const { avifEncoderDestroy(encoder); }
};
struct FreeData {
  void operator()(avifRWData* data) const {
    avifRWDataFree(data);
    delete data;
  }
};

void check(avifResult result, const char* what) {
  if (result != AVIF_RESULT_OK) {
    throw Error(Errc::internal,
                std::string("libavif: ") + what + ": " + avifResultToString(result));
  }
}

}  // namespace

int avif_quantizer(unsigned quality) {
  const unsigned q = std::clamp(quality, 1u, 100u);
  return static_cast<int>(((100 - q) * 63 + 50) / 100);
}

namespace {

// The picture as the 4:2:0 YUV image libavif encodes.
std::unique_ptr<avifImage, DestroyImage> yuv_image(const StillPicture& picture) {
  std::unique_ptr<avifImage, DestroyImage> image(
      avifImageCreate(picture.width, picture.height, 8, AVIF_PIXEL_FORMAT_YUV420));
  if (!image) throw Error(Errc::internal, "libavif: cannot make an image");
  image->yuvRange = AVIF_RANGE_FULL;
  image->matrixCoefficients = AVIF_MATRIX_COEFFICIENTS_BT601;
  if (picture.icc_profile.empty()) {
    image->colorPrimaries = AVIF_COLOR_PRIMARIES_BT709;
    image->transferCharacteristics = AVIF_TRANSFER_CHARACTERISTICS_SRGB;
  } else {
    avifImageSetProfileICC(image.get(),
                           reinterpret_cast<const std::uint8_t*>(picture.icc_profile.data()),
                           picture.icc_profile.size());
  }
  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, image.get());
  rgb.format = picture.alpha ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
  rgb.depth = 8;
  rgb.pixels = const_cast<std::uint8_t*>(picture.pixels.data());
  rgb.rowBytes = picture.width * (picture.alpha ? 4u : 3u);
  check(avifImageRGBToYUV(image.get(), &rgb), "cannot convert the pixels");
  return image;
}

std::unique_ptr<avifEncoder, DestroyEncoder> encoder_for(unsigned quality, unsigned speed) {
  std::unique_ptr<avifEncoder, DestroyEncoder> encoder(avifEncoderCreate());
  if (!encoder) throw Error(Errc::internal, "libavif: cannot start an encoder");
  encoder->maxThreads = 1;
  encoder->speed = static_cast<int>(std::min(speed, 10u));
  encoder->minQuantizer = encoder->maxQuantizer = avif_quantizer(quality);
  // Alpha lossless, as libavif's default: edges of logos and icons stay clean.
  encoder->minQuantizerAlpha = encoder->maxQuantizerAlpha = AVIF_QUANTIZER_LOSSLESS;
  return encoder;
}

std::string bytes_of(const avifRWData& data) {
  return std::string(reinterpret_cast<const char*>(data.data), data.size);
}

std::uint32_t be32(const std::string& bytes, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(bytes[at])} << 24) |
         (std::uint32_t{static_cast<unsigned char>(bytes[at + 1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(bytes[at + 2])} << 8) |
         std::uint32_t{static_cast<unsigned char>(bytes[at + 3])};
}

// libavif stamps an image sequence's movie, track and media headers (mvhd, tkhd, mdhd) with
// the time it was encoded. The same request must give the same bytes, and ETag, at any time
// and on any node, so those creation and modification times are zeroed, as in files made
// without a clock. Walks the boxes between `begin` and `end`, into moov, trak and mdia.
void clear_header_times(std::string& file, std::size_t begin, std::size_t end) {
  for (std::size_t at = begin; at + 8 <= end;) {
    const std::size_t size = be32(file, at);
    if (size < 8 || size > end - at) return;
    const std::string_view type(file.data() + at + 4, 4);
    if (type == "moov" || type == "trak" || type == "mdia") {
      clear_header_times(file, at + 8, at + size);
    } else if ((type == "mvhd" || type == "tkhd" || type == "mdhd") && size >= 12) {
      const std::size_t times = file[at + 8] == 1 ? 16 : 8;  // version 1: 64-bit times
      if (size >= 12 + times)
        std::fill_n(file.begin() + static_cast<std::ptrdiff_t>(at + 12), times, '\0');
    }
    at += size;
  }
}

}  // namespace

std::string encode_avif(const StillPicture& picture, unsigned quality, unsigned speed) {
  const auto image = yuv_image(picture);
  const auto encoder = encoder_for(quality, speed);
  std::unique_ptr<avifRWData, FreeData> output(new avifRWData(AVIF_DATA_EMPTY));
  check(avifEncoderWrite(encoder.get(), image.get(), output.get()), "cannot encode");
  return bytes_of(*output);
}

std::string encode_avif_sequence(std::span<const StillPicture> frames,
                                 std::span<const unsigned> durations_ms, unsigned quality,
                                 unsigned speed) {
  const auto encoder = encoder_for(quality, speed);
  encoder->timescale = 1000;  // durations in milliseconds
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto image = yuv_image(frames[i]);
    check(avifEncoderAddImage(encoder.get(), image.get(), std::max(1u, durations_ms[i]),
                              AVIF_ADD_IMAGE_FLAG_NONE),
          "cannot add a frame");
  }
  std::unique_ptr<avifRWData, FreeData> output(new avifRWData(AVIF_DATA_EMPTY));
  check(avifEncoderFinish(encoder.get(), output.get()), "cannot encode");
  std::string file = bytes_of(*output);
  clear_header_times(file, 0, file.size());
  return file;
}

}  // namespace imgcache
