#include "core/image_pipeline.h"

#include <Magick++.h>

#include <algorithm>
#include <cstdio>
#include <list>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "core/icc_profile.h"
#include "core/jpeg_resize.h"
#include "core/magick_resize.h"
#include "core/png_palette.h"
#include "core/png_profile.h"
#include "core/resize_plan.h"
#include "core/webp_animation.h"

namespace imgcache {
namespace {

using Frames = std::list<Magick::Image>;

const char* magick_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "JPEG";
    case ImageFormat::png:
      return "PNG";
    case ImageFormat::gif:
      return "GIF";
    case ImageFormat::webp:
      return "WEBP";
  }
  return "JPEG";
}

bool swaps_axes(const ImageHeader& header, const Config& config) {
  return config.auto_orient && header.orientation >= 5;
}

// The header's facts, with the size filled in by a header-only decode when needed and the
// pixel limit enforced. Throws Error(unsupported_image).
ImageHeader checked_header(std::string_view source, const Config& config) {
  ImageHeader header = read_image_header(source);
  if (!header.size_known()) {
    try {
      Magick::Image image;
      image.magick(magick_name(header.format));  // only the sniffed format's coder
      image.ping(Magick::Blob(source.data(), source.size()));
      header.width = static_cast<unsigned>(image.columns());
      header.height = static_cast<unsigned>(image.rows());
    } catch (const Magick::Exception& e) {
      throw Error(Errc::unsupported_image, std::string("cannot read image header: ") + e.what());
    }
    if (!header.size_known()) throw Error(Errc::unsupported_image, "image has no size");
  }
  if (static_cast<std::uint64_t>(header.width) * header.height > config.max_source_pixels) {
    throw Error(Errc::unsupported_image, "image has more pixels than max_source_pixels");
  }
  return header;
}

Size viewed_size(const ImageHeader& header, const Config& config) {
  return swaps_axes(header, config) ? Size{header.height, header.width}
                                    : Size{header.width, header.height};
}

// The frames of a GIF, read by the GIF coder only, and no more than max_frames + 1 of them:
// one frame over the limit shows it was passed without decoding the rest.
Frames read_gif_frames(std::string_view source, unsigned max_frames) {
  MagickLib::ImageInfo* info = MagickLib::CloneImageInfo(nullptr);
  std::snprintf(info->magick, sizeof info->magick, "GIF");
  std::snprintf(info->filename, sizeof info->filename, "GIF:");  // "GIF:" names the coder
  info->subimage = 0;
  info->subrange = max_frames + 1;
  MagickLib::ExceptionInfo exception;
  MagickLib::GetExceptionInfo(&exception);
  MagickLib::Image* images = MagickLib::BlobToImage(info, source.data(), source.size(), &exception);
  MagickLib::DestroyImageInfo(info);
  Frames frames;
  Magick::insertImages(&frames, images);
  Magick::throwException(exception);
  return frames;
}

// A still GIF's one frame on its logical screen: GraphicsMagick coalesces sequences only,
// and a frame smaller than the screen or placed on it at an offset is drawn where it stands,
// the rest of the screen transparent.
Frames still_gif_frame(Frames raw) {
  if (raw.empty()) return raw;
  Magick::Image& frame = raw.front();
  const Magick::Geometry page = frame.page();
  const bool covers_screen = page.width() == 0 || page.height() == 0 ||
                             (page.xOff() == 0 && page.yOff() == 0 &&
                              page.width() == frame.columns() && page.height() == frame.rows());
  if (!covers_screen) {
    Magick::Image screen(Magick::Geometry(page.width(), page.height()),
                         Magick::Color(0, 0, 0, MaxRGB));
    screen.matte(true);
    screen.composite(frame, static_cast<int>(page.xOff()), static_cast<int>(page.yOff()),
                     Magick::OverCompositeOp);
    frame = screen;
  }
  frame.page(Magick::Geometry(frame.columns(), frame.rows(), 0, 0));
  return raw;
}

// The image in `source`, decoded by the coder of `format` alone: naming it keeps
// GraphicsMagick from choosing another one by content.
Magick::Image read_as(std::string_view source, ImageFormat format,
                      const Magick::Geometry& shrink_hint = Magick::Geometry()) {
  Magick::Image image;
  image.read(Magick::Blob(source.data(), source.size()), shrink_hint, magick_name(format));
  return image;
}

// A PNG, its colour profile read by imgcache rather than libpng (core/png_profile.h).
Magick::Image read_png(std::string_view source) {
  const std::optional<PngWithoutProfile> split = take_png_profile(source);
  if (!split) return read_as(source, ImageFormat::png);
  Magick::Image image = read_as(split->png, ImageFormat::png);
  const std::string& icc = split->profile;
  if (!icc.empty()) image.iccColorProfile(Magick::Blob(icc.data(), icc.size()));
  return image;
}

// One image. JPEGs come resized to `target` when libjpeg takes them (core/jpeg_resize.h);
// otherwise they are decoded at a reduced scale when the target is at most half the source
// in both directions (shrink-on-load).
Magick::Image read_still(std::string_view source, const ImageHeader& header, Size target,
                         const Config& config) {
  Magick::Geometry shrink_hint;  // invalid (none) unless set
  if (header.format == ImageFormat::jpeg) {
    if (!header.cmyk) {
      if (auto image = read_jpeg_resized(source, target, config.resize_filter)) {
        image->orientation(static_cast<Magick::OrientationType>(header.orientation));
        return *image;
      }
    }
    if (target.width * 2 <= header.width && target.height * 2 <= header.height) {
      shrink_hint = Magick::Geometry(target.width * 2, target.height * 2);
    }
  }
  if (header.format == ImageFormat::png) return read_png(source);
  return read_as(source, header.format, shrink_hint);
}

// Decodes every frame (GIF) or the one image.
Frames decode(std::string_view source, const ImageHeader& header, Size target,
              const Config& config) {
  Frames frames;
  try {
    if (header.format == ImageFormat::gif) {
      Frames raw = read_gif_frames(source, config.max_frames);
      if (raw.size() > config.max_frames) {
        throw Error(Errc::unsupported_image, "more frames than max_frames");
      }
      if (raw.size() > 1) {
        Magick::coalesceImages(&frames, raw.begin(), raw.end());
      } else {
        frames = still_gif_frame(std::move(raw));
      }
    } else {
      frames.push_back(read_still(source, header, target, config));
    }
  } catch (const Magick::Warning& w) {
    throw Error(Errc::unsupported_image, std::string("corrupt image: ") + w.what());
  } catch (const Magick::Exception& e) {
    throw Error(Errc::unsupported_image, std::string("cannot decode image: ") + e.what());
  }
  if (frames.empty()) throw Error(Errc::unsupported_image, "image has no frames");
  return frames;
}

std::string_view bytes_of(const Magick::Blob& blob) {
  return {static_cast<const char*>(blob.data()), blob.length()};
}

// GraphicsMagick keeps grey pixels in RGB, flagged or found grey by a scan.
bool is_grey(const Magick::Image& image) {
  MagickLib::ExceptionInfo exception;
  MagickLib::GetExceptionInfo(&exception);
  const bool grey = MagickLib::IsGrayImage(image.constImage(), &exception) != MagickFalse;
  MagickLib::DestroyExceptionInfo(&exception);
  return grey;
}

bool describes(const IccProfile& profile, const Magick::Image& image) {
  switch (profile.colour_space) {
    case IccColourSpace::rgb:
      return image.colorSpace() == Magick::RGBColorspace;
    case IccColourSpace::grey:
      return image.colorSpace() == Magick::RGBColorspace && is_grey(image);
    case IccColourSpace::cmyk:
      return image.colorSpace() == Magick::CMYKColorspace;
  }
  return false;
}

// The image's colour profile if it is usable (core/icc_profile.h) and in the colour space
// of the pixels, else none.
Magick::Blob usable_profile(const Magick::Image& image) {
  Magick::Blob icc = image.iccColorProfile();
  const IccProfile profile = inspect_icc_profile(bytes_of(icc));
  return profile.usable && describes(profile, image) ? icc : Magick::Blob();
}

// Pixels described by a colour profile become sRGB ones, and the profile goes. A profile
// GraphicsMagick cannot convert from after all is dropped too: the pixels count as sRGB.
void convert_to_srgb(Magick::Image& image) {
  const Magick::Blob icc = image.iccColorProfile();
  if (icc.length() == 0) return;
  if (!inspect_icc_profile(bytes_of(icc)).srgb) {
    const std::string& srgb = srgb_icc_profile();
    try {
      // Replacing a profile converts the pixels from the old one to the new one.
      image.iccColorProfile(Magick::Blob(srgb.data(), srgb.size()));
    } catch (const Magick::Exception&) {
      // The pixels stay as they are.
    }
  }
  image.strip();
}

// Orientation, colour space and metadata: what every re-encoded image gets. Only a usable
// colour profile survives; CMYK becomes sRGB, through its profile when it has one.
void normalise(Magick::Image& image, const Config& config) {
  if (config.auto_orient) image.autoOrient();
  const Magick::Blob icc = usable_profile(image);
  image.strip();
  if (icc.length() > 0) image.iccColorProfile(icc);
  if (image.colorSpace() == Magick::CMYKColorspace) {
    convert_to_srgb(image);
    image.colorSpace(Magick::RGBColorspace);  // as it stands, when it had no profile
  }
}

void transform(Magick::Image& image, const ResizePlan& plan, const Config& config) {
  if (image.columns() != plan.scaled.width || image.rows() != plan.scaled.height) {
    resize_image(image, plan.scaled, config.resize_filter);
  }
  if (plan.rotate) image.rotate(360.0 - plan.rotate);  // nginx rotates counter-clockwise
  if (image.columns() != plan.output.width || image.rows() != plan.output.height) {
    image.crop(Magick::Geometry(plan.output.width, plan.output.height, plan.trim_x, plan.trim_y));
  }
  image.page(Magick::Geometry(plan.output.width, plan.output.height, 0, 0));
  if (config.sharpen > 0) image.unsharpmask(0.0, 1.0, config.sharpen / 100.0, 0.0);
}

// GraphicsMagick writes grey pixels as a grey PNG, on which libpng refuses an RGB profile
// (kept by keep_icc): the pixels stay, the profile goes.
void drop_rgb_profile_of_grey_png(Magick::Image& image) {
  const Magick::Blob icc = image.iccColorProfile();
  if (icc.length() == 0 || !is_grey(image)) return;
  if (inspect_icc_profile(bytes_of(icc)).colour_space == IccColourSpace::rgb) image.strip();
}

void prepare_encoding(Magick::Image& image, ImageFormat format, const Operation& op,
                      const Config& config) {
  image.magick(magick_name(format));
  switch (format) {
    case ImageFormat::jpeg:
      if (image.matte()) {  // JPEG has no alpha: flatten onto white
        Magick::Image flat(Magick::Geometry(image.columns(), image.rows()), Magick::Color("white"));
        flat.composite(image, 0, 0, Magick::OverCompositeOp);
        Magick::Blob icc = image.iccColorProfile();
        image = flat;
        if (icc.length() > 0) image.iccColorProfile(icc);
        image.magick("JPEG");
      }
      image.quality(op.quality.value_or(config.jpeg_quality));
      image.interlaceType(config.interlace ? Magick::LineInterlace : Magick::NoInterlace);
      break;
    case ImageFormat::webp:
      image.quality(op.quality.value_or(config.webp_quality));
      break;
    case ImageFormat::png:
      // GraphicsMagick reads a PNG quality as zlib level × 10 + filter (5: adaptive).
      image.quality(config.png_compression * 10 + 5);
      drop_rgb_profile_of_grey_png(image);
      [[fallthrough]];
    case ImageFormat::gif:
      if (!config.transparency) image.matte(false);
      image.interlaceType(Magick::NoInterlace);
      break;
  }
}

ImageFormat output_format(const ImageHeader& header, const Operation& op,
                          std::optional<ImageFormat> preferred) {
  if (op.format) return *op.format;
  if (preferred) return *preferred;
  return header.format;
}

// Every frame, as one animated WebP with the GIF's frame delays and loop count.
std::string encode_animated_webp(Frames& frames, const Operation& op, const Config& config) {
  const Magick::Image& first = frames.front();
  const unsigned width = static_cast<unsigned>(first.columns());
  const unsigned height = static_cast<unsigned>(first.rows());
  const auto quality = static_cast<float>(op.quality.value_or(config.webp_quality));
  WebpAnimationEncoder encoder({.width = width,
                                .height = height,
                                .quality = quality,
                                .loop_count = webp_loop_count(first.animationIterations())});
  std::vector<unsigned char> rgba(std::size_t{width} * height * 4);
  for (Magick::Image& frame : frames) {
    frame.write(0, 0, width, height, "RGBA", Magick::CharPixel, rgba.data());
    encoder.add(rgba, webp_frame_duration_ms(static_cast<unsigned>(frame.animationDelay())));
  }
  return encoder.finish();
}

// The image as a palette PNG (png_quantize), or nullopt when no palette is good enough.
std::optional<std::string> encode_quantized_png(Magick::Image& image, const Config& config) {
  const unsigned width = static_cast<unsigned>(image.columns());
  const unsigned height = static_cast<unsigned>(image.rows());
  std::vector<unsigned char> rgba(std::size_t{width} * height * 4);
  image.write(0, 0, width, height, "RGBA", Magick::CharPixel, rgba.data());
  return encode_palette_png(rgba, width, height, static_cast<int>(config.png_compression));
}

// The frames in `format`: all of them for GIF and WebP, the first one for the others.
std::string encode(Frames& frames, ImageFormat format, const Operation& op, const Config& config) {
  if (frames.size() > 1 && format == ImageFormat::webp) {
    return encode_animated_webp(frames, op, config);
  }
  // A colour profile kept (keep_icc) has no place in libimagequant's output: truecolour.
  if (format == ImageFormat::png && config.png_quantize &&
      frames.front().iccColorProfile().length() == 0) {
    if (auto palette = encode_quantized_png(frames.front(), config)) return std::move(*palette);
  }
  Magick::Blob blob;
  if (frames.size() > 1 && format == ImageFormat::gif) {
    Magick::writeImages(frames.begin(), frames.end(), &blob, true);
  } else {
    frames.front().write(&blob);
  }
  return std::string(bytes_of(blob));
}

}  // namespace

void init_image_library(const Config& config, unsigned threads_per_image) {
  static std::once_flag once;
  std::call_once(once, [&config, threads_per_image] {
    Magick::InitializeMagick(nullptr);
    auto pixels = static_cast<MagickLib::magick_int64_t>(config.max_source_pixels);
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

ImageHeader probe_image(std::string_view source, const Config& config) {
  ImageHeader header = checked_header(source, config);
  if (swaps_axes(header, config)) std::swap(header.width, header.height);
  return header;
}

EncodedImage process_image(std::string_view source, const Operation& op,
                           std::optional<ImageFormat> preferred, const Config& config) {
  const ImageHeader header = checked_header(source, config);
  const ResizePlan plan = plan_resize(viewed_size(header, config), op);
  const bool changes_format = op.format && *op.format != header.format;
  const bool needs_orienting = config.auto_orient && header.orientation != 1;
  const bool may_change_format = preferred && *preferred != header.format;
  if (plan.fits && !changes_format && !may_change_format && !needs_orienting &&
      !header.heavy_metadata && !header.cmyk) {
    return {std::string(source), header.format, header.width, header.height};
  }

  Size decode_target =
      swaps_axes(header, config) ? Size{plan.scaled.height, plan.scaled.width} : plan.scaled;
  Frames frames = decode(source, header, decode_target, config);
  const ImageFormat format = output_format(header, op, preferred);
  try {
    for (Magick::Image& image : frames) {
      normalise(image, config);
      transform(image, plan, config);
      if (!config.keep_icc) convert_to_srgb(image);
      prepare_encoding(image, format, op, config);
    }
    const Magick::Image& first = frames.front();
    return {encode(frames, format, op, config), format, static_cast<unsigned>(first.columns()),
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
