#include "core/imaging/avif_encode.h"

#include <avif/avif.h>

#include <algorithm>
#include <memory>

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

std::string encode_avif(const StillPicture& picture, unsigned quality, unsigned speed) {
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

  std::unique_ptr<avifEncoder, DestroyEncoder> encoder(avifEncoderCreate());
  if (!encoder) throw Error(Errc::internal, "libavif: cannot start an encoder");
  encoder->maxThreads = 1;
  encoder->speed = static_cast<int>(std::min(speed, 10u));
  encoder->minQuantizer = encoder->maxQuantizer = avif_quantizer(quality);
  // Alpha lossless, as libavif's default: edges of logos and icons stay clean.
  encoder->minQuantizerAlpha = encoder->maxQuantizerAlpha = AVIF_QUANTIZER_LOSSLESS;
  std::unique_ptr<avifRWData, FreeData> output(new avifRWData(AVIF_DATA_EMPTY));
  check(avifEncoderWrite(encoder.get(), image.get(), output.get()), "cannot encode");
  return std::string(reinterpret_cast<const char*>(output->data), output->size);
}

}  // namespace imgcache
