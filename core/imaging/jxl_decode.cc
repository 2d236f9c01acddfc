#include "core/imaging/jxl_decode.h"

#include <jxl/decode.h>

#include <memory>
#include <optional>

#include "core/error.h"

namespace imgcache {
namespace {

struct DestroyDecoder {
  void operator()(JxlDecoder* decoder) const { JxlDecoderDestroy(decoder); }
};

// A decoder over the whole file (the bytes must outlive it), reporting `events`.
std::unique_ptr<JxlDecoder, DestroyDecoder> decoder_of(std::string_view source, int events) {
  std::unique_ptr<JxlDecoder, DestroyDecoder> decoder(JxlDecoderCreate(nullptr));
  if (!decoder) throw Error(Errc::internal, "libjxl: cannot start a decoder");
  if (JxlDecoderSubscribeEvents(decoder.get(), events) != JXL_DEC_SUCCESS ||
      JxlDecoderSetInput(decoder.get(), reinterpret_cast<const std::uint8_t*>(source.data()),
                         source.size()) != JXL_DEC_SUCCESS) {
    throw Error(Errc::internal, "libjxl: cannot set the decoder up");
  }
  JxlDecoderCloseInput(decoder.get());
  return decoder;
}

// The next event of the decoder; a file that ends or fails before it is not an image.
JxlDecoderStatus next_event(JxlDecoder* decoder) {
  const JxlDecoderStatus status = JxlDecoderProcessInput(decoder);
  if (status == JXL_DEC_ERROR) throw Error(Errc::unsupported_image, "corrupt JPEG XL file");
  if (status == JXL_DEC_NEED_MORE_INPUT) {
    throw Error(Errc::unsupported_image, "truncated JPEG XL file");
  }
  return status;
}

// Width and height as the picture is shown: orientations 5 to 8 swap them.
Size oriented_size(const JxlBasicInfo& info) {
  if (info.xsize == 0 || info.ysize == 0) throw Error(Errc::unsupported_image, "image has no size");
  return info.orientation >= JXL_ORIENT_TRANSPOSE ? Size{info.ysize, info.xsize}
                                                  : Size{info.xsize, info.ysize};
}

}  // namespace

Size jxl_size(std::string_view source) {
  auto decoder = decoder_of(source, JXL_DEC_BASIC_INFO);
  for (;;) {
    const JxlDecoderStatus status = next_event(decoder.get());
    if (status == JXL_DEC_SUCCESS)
      throw Error(Errc::unsupported_image, "JPEG XL file without a header");
    if (status != JXL_DEC_BASIC_INFO) continue;
    JxlBasicInfo info;
    if (JxlDecoderGetBasicInfo(decoder.get(), &info) != JXL_DEC_SUCCESS) {
      throw Error(Errc::unsupported_image, "unreadable JPEG XL header");
    }
    return oriented_size(info);
  }
}

DecodedPicture decode_jxl(std::string_view source) {
  auto decoder =
      decoder_of(source, JXL_DEC_BASIC_INFO | JXL_DEC_COLOR_ENCODING | JXL_DEC_FULL_IMAGE);
  DecodedPicture out;
  JxlPixelFormat format = {3, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  for (;;) {
    switch (next_event(decoder.get())) {
      case JXL_DEC_BASIC_INFO: {
        JxlBasicInfo info;
        if (JxlDecoderGetBasicInfo(decoder.get(), &info) != JXL_DEC_SUCCESS) {
          throw Error(Errc::unsupported_image, "unreadable JPEG XL header");
        }
        const Size size = oriented_size(info);
        out.width = size.width;
        out.height = size.height;
        out.alpha = info.alpha_bits > 0;
        format.num_channels = out.alpha ? 4 : 3;
        break;
      }
      case JXL_DEC_COLOR_ENCODING: {
        std::size_t size = 0;
        if (JxlDecoderGetICCProfileSize(decoder.get(), &format, JXL_COLOR_PROFILE_TARGET_DATA,
                                        &size) == JXL_DEC_SUCCESS &&
            size > 0) {
          out.icc_profile.resize(size);
          if (JxlDecoderGetColorAsICCProfile(
                  decoder.get(), &format, JXL_COLOR_PROFILE_TARGET_DATA,
                  reinterpret_cast<std::uint8_t*>(out.icc_profile.data()),
                  size) != JXL_DEC_SUCCESS) {
            out.icc_profile.clear();
          }
        }
        break;
      }
      case JXL_DEC_NEED_IMAGE_OUT_BUFFER: {
        std::size_t size = 0;
        if (JxlDecoderImageOutBufferSize(decoder.get(), &format, &size) != JXL_DEC_SUCCESS ||
            size != std::size_t{out.width} * out.height * format.num_channels) {
          throw Error(Errc::unsupported_image, "JPEG XL picture of an unexpected size");
        }
        out.pixels.resize(size);
        if (JxlDecoderSetImageOutBuffer(decoder.get(), &format, out.pixels.data(), size) !=
            JXL_DEC_SUCCESS) {
          throw Error(Errc::internal, "libjxl: cannot take the output buffer");
        }
        break;
      }
      case JXL_DEC_FULL_IMAGE:
        return out;  // the first frame; the others of an animation are left undecoded
      case JXL_DEC_SUCCESS:
        throw Error(Errc::unsupported_image, "JPEG XL file without a picture");
      default:
        break;
    }
  }
}

}  // namespace imgcache
