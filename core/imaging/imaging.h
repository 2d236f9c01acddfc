// The imaging engine's whole public face (SPEC §6): probe_image() reads what an image is,
// render_image() turns source bytes into the bytes an operation asks for. Only JPEG, PNG,
// GIF and WebP are decoded, recognised by magic bytes; pixel and frame limits are checked
// from the header before the full decode. Geometry follows nginx image_filter
// (core/imaging/resize_plan.h). Colours are converted to sRGB and the colour profile
// dropped unless keep_icc; a profile that is not usable (core/imaging/icc_profile.h) is
// ignored. An image that needs no change passes through byte for byte.
// Thread-safe once init_imaging() has run. Failures are Error(unsupported_image) for the
// input, Error(internal) for the encoder.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/imaging/image_header.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

// What a source may be, checked before it is decoded.
struct ImageLimits {
  std::uint64_t max_source_pixels = 100'000'000;
  unsigned max_frames = 100;
};

// How an image is rendered and encoded (the imaging keys of SPEC §7).
struct RenderOptions {
  ImageLimits limits;
  bool auto_orient = true;  // apply the EXIF orientation
  bool keep_icc = false;    // keep a usable colour profile instead of converting to sRGB
  ResizeFilter resize_filter = ResizeFilter::mitchell;
  unsigned sharpen = 0;      // percent
  bool transparency = true;  // PNG and GIF keep their alpha
  unsigned jpeg_quality = 75;
  unsigned webp_quality = 80;
  unsigned avif_quality = 50;
  unsigned avif_speed = 8;  // AV1 encoder speed, 0 (slowest) to 10 (fastest)
  unsigned jxl_quality = 75;
  unsigned jxl_effort = 4;       // libjxl's effort, 1 (fastest) to 9 (smallest)
  unsigned png_compression = 4;  // zlib level 1..9
  bool png_quantize = false;     // palette PNG through libimagequant
  bool interlace = true;         // progressive JPEG
};

struct EncodedImage {
  std::string bytes;
  ImageFormat format = ImageFormat::jpeg;
  unsigned width = 0;
  unsigned height = 0;
};

// Once per process, before any other call: starts GraphicsMagick and sets its resource
// limits (pixels, memory, disk) so that a decompression bomb fails fast.
// threads_per_image caps GraphicsMagick's own (OpenMP) threads; 0 keeps its default. The
// responder uses 1: its worker pool already runs one image per core, and more threads
// per image would only oversubscribe the CPU.
void init_imaging(const ImageLimits& limits, unsigned threads_per_image = 0);

// Format and dimensions as the viewer sees them (EXIF orientation applied when
// auto_orient), read from the header, or by a header-only decode if it does not tell.
ImageHeader probe_image(std::string_view source, const ImageLimits& limits, bool auto_orient);

// Applies `op` to `source`. The output format is op.format if set, else the first of
// `negotiated` (the formats the client accepts, best first) that can hold the picture —
// AVIF an animation only if it loops forever —, else the source's format. An animated GIF
// keeps every frame as GIF, WebP (core/imaging/webp_animation.h) and JPEG XL, and as AVIF
// when it loops forever; JPEG and PNG get its first frame.
EncodedImage render_image(std::string_view source, const Operation& op,
                          std::span<const ImageFormat> negotiated, const RenderOptions& options);

// nginx's `image_filter size` body: { "img" : { "width": W, "height": H, "type": "jpeg" } }
std::string info_json(const ImageHeader& header);

}  // namespace imgcache
