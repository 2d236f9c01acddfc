#include "core/imaging/jxl_encode.h"

#include <jxl/encode.h>

#include <algorithm>
#include <memory>

#include "core/error.h"

namespace imgcache {
namespace {

struct DestroyEncoder {
  void operator()(JxlEncoder* encoder) const { JxlEncoderDestroy(encoder); }
};

void check(JxlEncoderStatus status, const char* what) {
  if (status != JXL_ENC_SUCCESS) throw Error(Errc::internal, std::string("libjxl: ") + what);
}

// Compressed bytes gathered at a time.
constexpr std::size_t kOutputStep = 64 * 1024;

}  // namespace

float jxl_distance(unsigned quality) {
  const float q = static_cast<float>(std::clamp(quality, 1u, 100u));
  if (q >= 100) return 0;
  if (q >= 30) return 0.1f + (100 - q) * 0.09f;
  return std::min(15.0f, 53.0f / 3000.0f * q * q - 23.0f / 20.0f * q + 25.0f);
}

std::string encode_jxl(const StillPicture& picture, unsigned quality, unsigned effort) {
  std::unique_ptr<JxlEncoder, DestroyEncoder> encoder(JxlEncoderCreate(nullptr));
  if (!encoder) throw Error(Errc::internal, "libjxl: cannot start an encoder");
  const bool lossless = jxl_distance(quality) == 0;
  JxlBasicInfo info;
  JxlEncoderInitBasicInfo(&info);
  info.xsize = picture.width;
  info.ysize = picture.height;
  info.bits_per_sample = 8;
  info.num_color_channels = 3;
  if (picture.alpha) {
    info.alpha_bits = 8;
    info.num_extra_channels = 1;
  }
  // Lossy pictures are coded in XYB; lossless ones, and those keeping a profile, as they are.
  info.uses_original_profile = lossless || !picture.icc_profile.empty() ? JXL_TRUE : JXL_FALSE;
  check(JxlEncoderSetBasicInfo(encoder.get(), &info), "cannot take the picture's size");
  if (picture.icc_profile.empty()) {
    JxlColorEncoding srgb;
    JxlColorEncodingSetToSRGB(&srgb, JXL_FALSE);
    check(JxlEncoderSetColorEncoding(encoder.get(), &srgb), "cannot tag sRGB");
  } else {
    check(JxlEncoderSetICCProfile(encoder.get(),
                                  reinterpret_cast<const std::uint8_t*>(picture.icc_profile.data()),
                                  picture.icc_profile.size()),
          "cannot take the colour profile");
  }
  JxlEncoderFrameSettings* settings = JxlEncoderFrameSettingsCreate(encoder.get(), nullptr);
  if (settings == nullptr) throw Error(Errc::internal, "libjxl: cannot make frame settings");
  check(JxlEncoderFrameSettingsSetOption(settings, JXL_ENC_FRAME_SETTING_EFFORT,
                                         std::clamp<std::int64_t>(effort, 1, 9)),
        "cannot set the effort");
  if (lossless) {
    check(JxlEncoderSetFrameLossless(settings, JXL_TRUE), "cannot go lossless");
  } else {
    check(JxlEncoderSetFrameDistance(settings, jxl_distance(quality)), "cannot set the distance");
  }
  const JxlPixelFormat format = {picture.alpha ? 4u : 3u, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  check(JxlEncoderAddImageFrame(settings, &format, picture.pixels.data(), picture.pixels.size()),
        "cannot take the pixels");
  JxlEncoderCloseInput(encoder.get());

  std::string out(kOutputStep, '\0');
  std::size_t written = 0;
  for (;;) {
    auto* next = reinterpret_cast<std::uint8_t*>(out.data() + written);
    std::size_t room = out.size() - written;
    const JxlEncoderStatus status = JxlEncoderProcessOutput(encoder.get(), &next, &room);
    written = out.size() - room;
    if (status == JXL_ENC_SUCCESS) break;
    if (status != JXL_ENC_NEED_MORE_OUTPUT) throw Error(Errc::internal, "libjxl: cannot encode");
    out.resize(out.size() + kOutputStep);
  }
  out.resize(written);
  return out;
}

}  // namespace imgcache
