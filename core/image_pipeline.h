// The image pipeline: source bytes in, encoded bytes out (SPEC §6). Only JPEG, PNG, GIF
// and WebP reach GraphicsMagick, recognised by magic bytes; pixel and frame limits are
// checked from the header before the full decode. Geometry follows nginx image_filter
// (core/resize_plan.h). Colours are converted to sRGB and the colour profile dropped unless
// keep_icc; a profile that is not usable (core/icc_profile.h) is ignored. An image that
// needs no change passes through byte for byte.
// Thread-safe once init_image_library() has run.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/image_header.h"
#include "core/image_request.h"

namespace imgcache {

struct EncodedImage {
  std::string bytes;
  ImageFormat format = ImageFormat::jpeg;
  unsigned width = 0;
  unsigned height = 0;
};

// Once per process, before any other call: starts GraphicsMagick and sets its resource
// limits (pixels, memory, disk) from the config so that a decompression bomb fails fast.
// threads_per_image caps GraphicsMagick's own (OpenMP) threads; 0 keeps its default. The
// responder uses 1: its worker pool already runs one image per core, and more threads
// per image would only oversubscribe the CPU.
void init_image_library(const Config& config, unsigned threads_per_image = 0);

// Applies `op` to `source`. The output format is op.format if set, else `preferred` (the
// negotiated WebP), else the source's format. An animated GIF keeps every frame as GIF and
// as WebP (core/webp_animation.h); JPEG and PNG get its first frame. Throws
// Error(unsupported_image) for anything that is not a decodable image within the limits.
EncodedImage process_image(std::string_view source, const Operation& op,
                           std::optional<ImageFormat> preferred, const Config& config);

// Format and dimensions as the viewer sees them (EXIF orientation applied when
// auto_orient is on), read from the header, or by a header-only decode if it does not tell.
ImageHeader probe_image(std::string_view source, const Config& config);

// nginx's `image_filter size` body: { "img" : { "width": W, "height": H, "type": "jpeg" } }
std::string info_json(const ImageHeader& header);

}  // namespace imgcache
