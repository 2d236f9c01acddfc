#include <Magick++.h>

#include <algorithm>
#include <iterator>
#include <mutex>

#include "core/error.h"
#include "core/imaging/imaging.h"
#include "core/imaging/magick_colour.h"
#include "core/imaging/magick_decode.h"
#include "core/imaging/magick_encode.h"
#include "core/imaging/magick_resize.h"
#include "core/imaging/resize_plan.h"

namespace imgcache {
namespace {

bool swaps_axes(const ImageHeader& header, bool auto_orient) {
  return auto_orient && header.orientation >= 5;
}

// The header's facts, with the size filled in by a header-only decode when needed and the
// pixel limit enforced. Throws Error(unsupported_image).
ImageHeader checked_header(std::string_view source, const ImageLimits& limits) {
  ImageHeader header = read_image_header(source);
  if (!header.size_known()) {
    const Size size = ping_size(source, header.format);
    header.width = size.width;
    header.height = size.height;
    if (!header.size_known()) throw Error(Errc::unsupported_image, "image has no size");
  }
  if (static_cast<std::uint64_t>(header.width) * header.height > limits.max_source_pixels) {
    throw Error(Errc::unsupported_image, "image has more pixels than max_source_pixels");
  }
  return header;
}

Size viewed_size(const ImageHeader& header, bool auto_orient) {
  return swaps_axes(header, auto_orient) ? Size{header.height, header.width}
                                         : Size{header.width, header.height};
}

// Whether the format keeps the frames: GIF, WebP and JPEG XL, and AVIF when the animation
// loops forever (libavif 0.11 cannot write "play N times"; a GIF that stops stays a still
// AVIF).
bool holds_animation(ImageFormat format, const Frames& frames) {
  if (format == ImageFormat::avif) return frames.front().animationIterations() == 0;
  return format != ImageFormat::jpeg && format != ImageFormat::png;
}

// The format of the answer: the one asked, else the first negotiated one that holds the
// picture, else the source's own — or, for a source in a format not every browser shows
// (HEIC, JPEG XL), JPEG, or PNG when the picture is translucent.
ImageFormat output_format(const ImageHeader& header, const Operation& op,
                          std::span<const ImageFormat> negotiated, const Frames& frames) {
  if (op.format) return *op.format;
  for (ImageFormat format : negotiated) {
    if (frames.size() == 1 || holds_animation(format, frames)) return format;
  }
  if (shown_everywhere(header.format)) return header.format;
  return is_opaque(frames.front()) ? ImageFormat::jpeg : ImageFormat::png;
}

}  // namespace

void init_imaging(const ImageLimits& limits, unsigned threads_per_image) {
  static std::once_flag once;
  std::call_once(once, [&limits, threads_per_image] {
    Magick::InitializeMagick(nullptr);
    auto pixels = static_cast<MagickLib::magick_int64_t>(limits.max_source_pixels);
    MagickLib::SetMagickResourceLimit(MagickLib::PixelsResource, pixels);
    MagickLib::SetMagickResourceLimit(MagickLib::WidthResource, 65535);
    MagickLib::SetMagickResourceLimit(MagickLib::HeightResource, 65535);
    // Pixel caches stay in memory; a bomb fails instead of spilling to disk.
    MagickLib::SetMagickResourceLimit(
        MagickLib::MemoryResource, std::max<MagickLib::magick_int64_t>(256ll << 20, pixels * 24));
    MagickLib::SetMagickResourceLimit(MagickLib::DiskResource, 0);
    if (threads_per_image > 0) {
      MagickLib::SetMagickResourceLimit(MagickLib::ThreadsResource, threads_per_image);
    }
  });
}

ImageHeader probe_image(std::string_view source, const ImageLimits& limits, bool auto_orient) {
  ImageHeader header = checked_header(source, limits);
  if (swaps_axes(header, auto_orient)) std::swap(header.width, header.height);
  return header;
}

EncodedImage render_image(std::string_view source, const Operation& op,
                          std::span<const ImageFormat> negotiated, const RenderOptions& options) {
  const ImageHeader header = checked_header(source, options.limits);
  const ResizePlan plan = plan_resize(viewed_size(header, options.auto_orient), op);
  const bool changes_format =
      (op.format && *op.format != header.format) || !shown_everywhere(header.format);
  const bool needs_orienting = options.auto_orient && header.orientation != 1;
  // An animated WebP is changed by nothing negotiated: its frames are read by no decoder
  // here, so it is answered as it is, or refused when it must be resized.
  const bool may_change_format =
      !header.animated_webp &&
      std::ranges::any_of(negotiated, [&](ImageFormat format) { return format != header.format; });
  if (plan.fits && !changes_format && !may_change_format && !needs_orienting &&
      !header.heavy_metadata && !header.cmyk) {
    return {std::string(source), header.format, header.width, header.height};
  }

  const Size decode_target = swaps_axes(header, options.auto_orient)
                                 ? Size{plan.scaled.height, plan.scaled.width}
                                 : plan.scaled;
  Frames frames =
      decode_frames(source, header, decode_target, options.limits, options.resize_filter);
  const ImageFormat format = output_format(header, op, negotiated, frames);
  // A format of one picture here (JPEG, PNG, AVIF of an animation that stops) gets the
  // first frame: the others go unresized.
  if (frames.size() > 1 && !holds_animation(format, frames)) {
    frames.erase(std::next(frames.begin()), frames.end());
  }
  try {
    for (Magick::Image& image : frames) {
      normalise(image, options.auto_orient);
      apply_plan(image, plan, options.resize_filter, options.sharpen);
      if (!options.keep_icc) convert_to_srgb(image);
    }
    std::string bytes = encode_frames(frames, format, op, options);
    const Magick::Image& first = frames.front();
    return {std::move(bytes), format, static_cast<unsigned>(first.columns()),
            static_cast<unsigned>(first.rows())};
  } catch (const Magick::Exception& e) {
    throw Error(Errc::internal, std::string("cannot encode image: ") + e.what());
  }
}

std::string info_json(const ImageHeader& header) {
  return "{ \"img\" : { \"width\": " + std::to_string(header.width) +
         ", \"height\": " + std::to_string(header.height) + ", \"type\": \"" +
         std::string(format_name(header.format)) + "\" } }\r\n";
}

}  // namespace imgcache
