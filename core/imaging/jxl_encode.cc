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

namespace {

// One frame (durations_ms empty: a still picture) or an animation of `frames`.
std::string encode(std::span<const StillPicture> frames, std::span<const unsigned> durations_ms,
                   unsigned loops, unsigned quality, unsigned effort) {
  const StillPicture& first = frames.front();
  std::unique_ptr<JxlEncoder, DestroyEncoder> encoder(JxlEncoderCreate(nullptr));
  if (!encoder) throw Error(Errc::internal, "libjxl: cannot start an encoder");
  const bool lossless = jxl_distance(quality) == 0;
  JxlBasicInfo info;
  JxlEncoderInitBasicInfo(&info);
  info.xsize = first.width;
  info.ysize = first.height;
  info.bits_per_sample = 8;
  info.num_color_channels = 3;
  if (first.alpha) {
    info.alpha_bits = 8;
    info.num_extra_channels = 1;
  }
  if (!durations_ms.empty()) {
    info.have_animation = JXL_TRUE;
    info.animation.tps_numerator = 1000;  // ticks of a millisecond
    info.animation.tps_denominator = 1;
    info.animation.num_loops = loops;
  }
  // Lossy pictures are coded in XYB; lossless ones, and those keeping a profile, as they are.
  info.uses_original_profile = lossless || !first.icc_profile.empty() ? JXL_TRUE : JXL_FALSE;
  check(JxlEncoderSetBasicInfo(encoder.get(), &info), "cannot take the picture's size");
  if (first.icc_profile.empty()) {
    JxlColorEncoding srgb;
    JxlColorEncodingSetToSRGB(&srgb, JXL_FALSE);
    check(JxlEncoderSetColorEncoding(encoder.get(), &srgb), "cannot tag sRGB");
  } else {
    check(JxlEncoderSetICCProfile(encoder.get(),
                                  reinterpret_cast<const std::uint8_t*>(first.icc_profile.data()),
                                  first.icc_profile.size()),
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
  const JxlPixelFormat format = {first.alpha ? 4u : 3u, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!durations_ms.empty()) {
      JxlFrameHeader header;
      JxlEncoderInitFrameHeader(&header);
      header.duration = std::max(1u, durations_ms[i]);
      check(JxlEncoderSetFrameHeader(settings, &header), "cannot time a frame");
    }
    check(JxlEncoderAddImageFrame(settings, &format, frames[i].pixels.data(),
                                  frames[i].pixels.size()),
          "cannot take the pixels");
  }
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

}  // namespace

std::string encode_jxl(const StillPicture& picture, unsigned quality, unsigned effort) {
  return encode(std::span(&picture, 1), {}, 0, quality, effort);
}

std::string encode_jxl_animation(std::span<const StillPicture> frames,
                                 std::span<const unsigned> durations_ms, unsigned loops,
                                 unsigned quality, unsigned effort) {
  return encode(frames, durations_ms, loops, quality, effort);
}

}  // namespace imgcache
