#include "core/imaging/webp_resize.h"

#include <Magick++.h>
#include <webp/decode.h>
#include <webp/demux.h>

#include <cstdint>
#include <memory>

#include "core/imaging/byte_pixels.h"
#include "core/imaging/magick_pixels.h"

namespace imgcache {
namespace {

#if defined(MAGICK_PIXELS_BGRA)
constexpr WEBP_CSP_MODE kOpaque = MODE_BGRA;
constexpr WEBP_CSP_MODE kPremultiplied = MODE_bgrA;
#else
constexpr WEBP_CSP_MODE kOpaque = MODE_RGBA;
constexpr WEBP_CSP_MODE kPremultiplied = MODE_rgbA;
#endif

// The size libwebp decodes to: twice the target when that is at most half the picture.
Size decode_size(Size picture, Size target) {
  if (target.width * 2 <= picture.width && target.height * 2 <= picture.height) {
    return {target.width * 2, target.height * 2};
  }
  return picture;
}

// The ICCP chunk's bytes, or an empty blob.
Magick::Blob icc_profile(std::string_view webp) {
  const WebPData data{reinterpret_cast<const std::uint8_t*>(webp.data()), webp.size()};
  std::unique_ptr<WebPDemuxer, decltype(&WebPDemuxDelete)> demux(WebPDemux(&data),
                                                                 &WebPDemuxDelete);
  if (!demux || !(WebPDemuxGetI(demux.get(), WEBP_FF_FORMAT_FLAGS) & ICCP_FLAG)) return {};
  WebPChunkIterator chunk;
  if (!WebPDemuxGetChunk(demux.get(), "ICCP", 1, &chunk)) return {};
  Magick::Blob profile(chunk.chunk.bytes, chunk.chunk.size);
  WebPDemuxReleaseChunkIterator(&chunk);
  return profile;
}

// Frees what libwebp decoded.
struct DecodedBuffer {
  WebPDecBuffer* buffer;
  ~DecodedBuffer() { WebPFreeDecBuffer(buffer); }
};

}  // namespace

std::optional<Magick::Image> read_webp_resized(std::string_view webp, Size target,
                                               ResizeFilter filter) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(webp.data());
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config) ||
      WebPGetFeatures(bytes, webp.size(), &config.input) != VP8_STATUS_OK ||
      config.input.has_animation) {
    return std::nullopt;
  }
  const Size picture{static_cast<unsigned>(config.input.width),
                     static_cast<unsigned>(config.input.height)};
  const Size decoded = decode_size(picture, target);
  const bool alpha = config.input.has_alpha;
  config.options.use_scaling = decoded.width != picture.width || decoded.height != picture.height;
  config.options.scaled_width = static_cast<int>(decoded.width);
  config.options.scaled_height = static_cast<int>(decoded.height);
  config.output.colorspace = alpha ? kPremultiplied : kOpaque;
  DecodedBuffer owned{&config.output};
  if (WebPDecode(bytes, webp.size(), &config) != VP8_STATUS_OK) return std::nullopt;
  const WebPRGBABuffer& rgba = config.output.u.RGBA;
  Magick::Image image = resampled_image(
      decoded, target, false, alpha, filter,
      [&](unsigned y, std::span<float> row) { quads_to_pixels(rgba.rgba + y * rgba.stride, row); });
  if (const Magick::Blob icc = icc_profile(webp); icc.length() > 0) image.iccColorProfile(icc);
  return image;
}

}  // namespace imgcache
