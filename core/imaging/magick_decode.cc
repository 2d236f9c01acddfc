#include "core/imaging/magick_decode.h"

#include <Magick++.h>

#include <cstdio>

#include "core/error.h"
#include "core/imaging/heif_decode.h"
#include "core/imaging/jpeg_resize.h"
#include "core/imaging/jxl_decode.h"
#include "core/imaging/png_profile.h"
#include "core/imaging/png_resize.h"
#include "core/imaging/webp_resize.h"

namespace imgcache {
namespace {

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

Frames read_gif(std::string_view source, unsigned max_frames) {
  Frames raw = read_gif_frames(source, max_frames);
  if (raw.size() > max_frames) throw Error(Errc::unsupported_image, "more frames than max_frames");
  if (raw.size() <= 1) return still_gif_frame(std::move(raw));
  Frames frames;
  Magick::coalesceImages(&frames, raw.begin(), raw.end());
  return frames;
}

// The image in `source`, decoded by the coder of `format` alone.
Magick::Image read_as(std::string_view source, ImageFormat format,
                      const Magick::Geometry& shrink_hint = Magick::Geometry()) {
  Magick::Image image;
  image.read(Magick::Blob(source.data(), source.size()), shrink_hint, format_coder(format));
  return image;
}

// A PNG, its colour profile read by imgcache rather than libpng (core/imaging/png_profile.h).
Magick::Image read_png(std::string_view source) {
  const std::optional<PngWithoutProfile> split = take_png_profile(source);
  if (!split) return read_as(source, ImageFormat::png);
  Magick::Image image = read_as(split->png, ImageFormat::png);
  const std::string& icc = split->profile;
  if (!icc.empty()) image.iccColorProfile(Magick::Blob(icc.data(), icc.size()));
  return image;
}

bool is_heif(ImageFormat format) {
  return format == ImageFormat::avif || format == ImageFormat::heic;
}

// A picture decoded by libheif or libjxl, as GraphicsMagick's image.
Magick::Image image_of(const DecodedPicture& picture) {
  Magick::Image image(picture.width, picture.height, picture.alpha ? "RGBA" : "RGB",
                      Magick::CharPixel, picture.pixels.data());
  image.matte(picture.alpha);
  if (!picture.icc_profile.empty()) {
    image.iccColorProfile(Magick::Blob(picture.icc_profile.data(), picture.icc_profile.size()));
  }
  return image;
}

// One image. JPEGs, PNGs and still WebPs come resized to `target` when libjpeg, libpng or
// libwebp takes them; otherwise JPEGs are decoded at a reduced scale when the target is at most
// half the source in both directions (shrink-on-load).
Magick::Image read_still(std::string_view source, const ImageHeader& header, Size target,
                         ResizeFilter filter) {
  Magick::Geometry shrink_hint;  // invalid (none) unless set
  if (header.format == ImageFormat::jpeg) {
    if (!header.cmyk) {
      if (auto image = read_jpeg_resized(source, target, filter)) {
        image->orientation(static_cast<Magick::OrientationType>(header.orientation));
        return *image;
      }
    }
    if (target.width * 2 <= header.width && target.height * 2 <= header.height) {
      shrink_hint = Magick::Geometry(target.width * 2, target.height * 2);
    }
  }
  if (header.format == ImageFormat::png) {
    if (auto image = read_png_resized(source, target, filter)) return *image;
    return read_png(source);
  }
  if (header.format == ImageFormat::webp) {
    if (auto image = read_webp_resized(source, target, filter)) return *image;
  }
  if (is_heif(header.format)) return image_of(decode_heif(source));
  if (header.format == ImageFormat::jxl) return image_of(decode_jxl(source));
  return read_as(source, header.format, shrink_hint);
}

}  // namespace

Size ping_size(std::string_view source, ImageFormat format) {
  if (is_heif(format)) return heif_size(source);
  if (format == ImageFormat::jxl) return jxl_size(source);
  try {
    Magick::Image image;
    image.magick(format_coder(format));  // only the sniffed format's coder
    image.ping(Magick::Blob(source.data(), source.size()));
    return {static_cast<unsigned>(image.columns()), static_cast<unsigned>(image.rows())};
  } catch (const Magick::Exception& e) {
    throw Error(Errc::unsupported_image, std::string("cannot read image header: ") + e.what());
  }
}

Frames decode_frames(std::string_view source, const ImageHeader& header, Size target,
                     const ImageLimits& limits, ResizeFilter filter) {
  Frames frames;
  try {
    if (header.format == ImageFormat::gif) {
      frames = read_gif(source, limits.max_frames);
    } else {
      frames.push_back(read_still(source, header, target, filter));
    }
  } catch (const Magick::Warning& w) {
    throw Error(Errc::unsupported_image, std::string("corrupt image: ") + w.what());
  } catch (const Magick::Exception& e) {
    throw Error(Errc::unsupported_image, std::string("cannot decode image: ") + e.what());
  }
  if (frames.empty()) throw Error(Errc::unsupported_image, "image has no frames");
  return frames;
}

}  // namespace imgcache
