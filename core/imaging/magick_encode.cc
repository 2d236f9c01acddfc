#include "core/imaging/magick_encode.h"

#include <Magick++.h>

#include <algorithm>
#include <vector>

#include "core/imaging/avif_encode.h"
#include "core/imaging/icc_profile.h"
#include "core/imaging/jxl_encode.h"
#include "core/imaging/magick_colour.h"
#include "core/imaging/magick_pixels.h"
#include "core/imaging/magick_png.h"
#include "core/imaging/png_palette.h"
#include "core/imaging/webp_animation.h"

namespace imgcache {
namespace {

// JPEG has no alpha: a translucent image is flattened onto white, its profile kept.
void flatten_onto_white(Magick::Image& image) {
  Magick::Image flat(Magick::Geometry(image.columns(), image.rows()), Magick::Color("white"));
  flat.composite(image, 0, 0, Magick::OverCompositeOp);
  Magick::Blob icc = image.iccColorProfile();
  image = flat;
  if (icc.length() > 0) image.iccColorProfile(icc);
}

void prepare_encoding(Magick::Image& image, ImageFormat format, const Operation& op,
                      const RenderOptions& options) {
  if (format == ImageFormat::jpeg && image.matte()) flatten_onto_white(image);
  // GraphicsMagick's writers truncate 16-bit quanta to 8 bits; PNG, AVIF and JPEG XL round
  // their own.
  if (format == ImageFormat::jpeg || format == ImageFormat::webp || format == ImageFormat::gif) {
    round_to_eight_bits(image);
  }
  if (format_coder(format) != nullptr) image.magick(format_coder(format));
  switch (format) {
    case ImageFormat::jpeg:
      image.quality(op.quality.value_or(options.jpeg_quality));
      image.interlaceType(options.interlace ? Magick::LineInterlace : Magick::NoInterlace);
      break;
    case ImageFormat::webp:
      image.quality(op.quality.value_or(options.webp_quality));
      break;
    case ImageFormat::png:
      drop_rgb_profile_of_grey_png(image);
      [[fallthrough]];
    case ImageFormat::gif:
      if (!options.transparency) image.matte(false);
      image.interlaceType(Magick::NoInterlace);
      break;
    case ImageFormat::avif:
    case ImageFormat::jxl:
    case ImageFormat::heic:  // never an output (writable())
      break;
  }
}

// Every frame, as one animated WebP with the GIF's frame delays and loop count.
std::string encode_animated_webp(Frames& frames, const Operation& op,
                                 const RenderOptions& options) {
  const Magick::Image& first = frames.front();
  const auto quality = static_cast<float>(op.quality.value_or(options.webp_quality));
  WebpAnimationEncoder encoder({.width = static_cast<unsigned>(first.columns()),
                                .height = static_cast<unsigned>(first.rows()),
                                .quality = quality,
                                .loop_count = webp_loop_count(first.animationIterations())});
  for (Magick::Image& frame : frames) {
    encoder.add(eight_bit_samples(frame, true),
                webp_frame_duration_ms(static_cast<unsigned>(frame.animationDelay())));
  }
  return encoder.finish();
}

// Every frame as 8-bit samples, with alpha when a pixel of any frame is not opaque, and
// its delay as browsers play the GIF: what the AVIF and JPEG XL animation encoders take.
struct AnimationFrames {
  std::vector<std::vector<unsigned char>> samples;
  std::vector<StillPicture> pictures;  // views of `samples`
  std::vector<unsigned> durations_ms;
};

AnimationFrames animation_frames(Frames& frames) {
  const bool alpha =
      std::ranges::any_of(frames, [](const Magick::Image& frame) { return !is_opaque(frame); });
  AnimationFrames out;
  for (Magick::Image& frame : frames) {
    out.samples.push_back(eight_bit_samples(frame, alpha));
    out.durations_ms.push_back(
        webp_frame_duration_ms(static_cast<unsigned>(frame.animationDelay())));
  }
  for (const std::vector<unsigned char>& pixels : out.samples) {
    out.pictures.push_back({.width = static_cast<unsigned>(frames.front().columns()),
                            .height = static_cast<unsigned>(frames.front().rows()),
                            .alpha = alpha,
                            .pixels = pixels});
  }
  return out;
}

// Every frame, as one animated AVIF (it loops forever: see holds_animation() in render.cc)
// or JPEG XL (with the GIF's loop count).
std::string encode_animation(Frames& frames, ImageFormat format, const Operation& op,
                             const RenderOptions& options) {
  const AnimationFrames animation = animation_frames(frames);
  if (format == ImageFormat::jxl) {
    return encode_jxl_animation(
        animation.pictures, animation.durations_ms,
        webp_loop_count(static_cast<unsigned>(frames.front().animationIterations())),
        op.quality.value_or(options.jxl_quality), options.jxl_effort);
  }
  return encode_avif_sequence(animation.pictures, animation.durations_ms,
                              op.quality.value_or(options.avif_quality), options.avif_speed);
}

// The first frame as a still AVIF or JPEG XL, with alpha when a pixel is not opaque and a
// kept colour profile when it describes RGB (both formats take three colour planes).
std::string encode_still(Magick::Image& image, ImageFormat format, const Operation& op,
                         const RenderOptions& options) {
  const bool alpha = !is_opaque(image);
  const std::vector<unsigned char> pixels = eight_bit_samples(image, alpha);
  const Magick::Blob icc = image.iccColorProfile();
  const std::string_view profile(static_cast<const char*>(icc.data()), icc.length());
  const bool rgb_profile =
      !profile.empty() && inspect_icc_profile(profile).colour_space == IccColourSpace::rgb;
  const StillPicture picture = {.width = static_cast<unsigned>(image.columns()),
                                .height = static_cast<unsigned>(image.rows()),
                                .alpha = alpha,
                                .pixels = pixels,
                                .icc_profile = rgb_profile ? profile : std::string_view()};
  if (format == ImageFormat::jxl) {
    return encode_jxl(picture, op.quality.value_or(options.jxl_quality), options.jxl_effort);
  }
  return encode_avif(picture, op.quality.value_or(options.avif_quality), options.avif_speed);
}

// The image as a palette PNG (png_quantize), or nullopt when no palette is good enough.
std::optional<std::string> encode_quantized_png(Magick::Image& image,
                                                const RenderOptions& options) {
  return encode_palette_png(eight_bit_samples(image, true), static_cast<unsigned>(image.columns()),
                            static_cast<unsigned>(image.rows()),
                            static_cast<int>(options.png_compression));
}

}  // namespace

std::string encode_frames(Frames& frames, ImageFormat format, const Operation& op,
                          const RenderOptions& options) {
  for (Magick::Image& frame : frames) prepare_encoding(frame, format, op, options);
  if (frames.size() > 1 && format == ImageFormat::webp) {
    return encode_animated_webp(frames, op, options);
  }
  if (frames.size() > 1 && (format == ImageFormat::avif || format == ImageFormat::jxl)) {
    return encode_animation(frames, format, op, options);
  }
  if (format == ImageFormat::avif || format == ImageFormat::jxl) {
    return encode_still(frames.front(), format, op, options);
  }
  // A colour profile kept (keep_icc) has no place in libimagequant's output: truecolour.
  if (format == ImageFormat::png && options.png_quantize &&
      frames.front().iccColorProfile().length() == 0) {
    if (auto palette = encode_quantized_png(frames.front(), options)) return std::move(*palette);
  }
  if (format == ImageFormat::png) {
    return encode_png(frames.front(), static_cast<int>(options.png_compression));
  }
  Magick::Blob blob;
  if (frames.size() > 1 && format == ImageFormat::gif) {
    Magick::writeImages(frames.begin(), frames.end(), &blob, true);
  } else {
    frames.front().write(&blob);
  }
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

}  // namespace imgcache
