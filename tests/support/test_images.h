// Test images made at test time with GraphicsMagick, and facts read back from encoded
// bytes, so tests check what a user would: dimensions, frames, alpha, colour space.
#pragma once

#include <string>
#include <vector>

#include "core/image_request.h"

namespace imgcache::testing {

// A photo-like image (plasma fractal, deterministic seed) in the given format.
std::string make_image(ImageFormat format, unsigned width, unsigned height);
// The same photo-like image as a progressive JPEG (quality 90).
std::string make_progressive_jpeg(unsigned width, unsigned height);
// A PNG of random pixels: incompressible, about 3 bytes a pixel.
std::string make_noise_png(unsigned width, unsigned height);
// A PNG whose left half is fully transparent.
std::string make_png_with_alpha(unsigned width, unsigned height);
// An animated GIF with `frames` frames of different colours.
std::string make_animated_gif(unsigned width, unsigned height, unsigned frames);
// A four-component (CMYK) JPEG.
std::string make_cmyk_jpeg(unsigned width, unsigned height);
// A JPEG with an APP1 EXIF segment holding the given orientation tag (and a comment).
std::string make_jpeg_with_orientation(unsigned width, unsigned height, unsigned orientation);
// A PNG header announcing width×height, followed by garbage: a decompression bomb.
std::string make_png_bomb(unsigned width, unsigned height);

// Four flat quadrants of width×height as a viewer sees them (red top left, green top
// right, blue bottom left, yellow bottom right) in a JPEG stored so that its EXIF
// orientation `orientation` (1–8) shows them upright: for 5–8 it stores height×width.
std::string make_oriented_quadrants_jpeg(unsigned width, unsigned height, unsigned orientation);
// A one-component (grey) JPEG of the photo-like image.
std::string make_grey_jpeg(unsigned width, unsigned height);

enum class PngLayout {
  grey,                 // 8-bit grey
  palette,              // 8-bit palette, opaque
  palette_transparent,  // 8-bit palette with a tRNS chunk: the left half transparent
  rgb,                  // 8-bit RGB
  rgba,                 // 8-bit RGBA: the left half transparent
  rgb16,                // 16-bit RGB
  interlaced,           // 8-bit RGB, Adam7
};
// The photo-like image as a PNG of that layout.
std::string make_png(PngLayout layout, unsigned width, unsigned height);

enum class GifLayout {
  still,              // one frame
  still_transparent,  // one frame, the left half transparent
  interlaced,         // one interlaced frame
};
// The photo-like image as a GIF of that layout.
std::string make_gif(GifLayout layout, unsigned width, unsigned height);
// An animated GIF of 4 frames: a full first frame, then frames smaller than the screen at
// offsets, disposed of by each method (none, background, previous).
std::string make_animated_gif_with_offsets(unsigned width, unsigned height);

struct Decoded {
  std::string format;  // "JPEG", "PNG", "GIF", "WEBP", "AVIF", "JXL"
  unsigned width = 0;
  unsigned height = 0;
  unsigned frames = 0;
  bool has_alpha = false;
  bool cmyk = false;
  bool has_exif = false;
  bool has_icc = false;
};
// Decodes the bytes fully (an animated WebP with libwebp, which GraphicsMagick does not
// read; the first frame of an AVIF or JPEG XL, its frames counted by libavif or libjxl);
// throws if they are not a readable image.
Decoded decode(const std::string& bytes);
// Whether the bytes are an AVIF file (an ISO-BMFF "ftyp" box of brand avif).
bool is_avif(const std::string& bytes);
// The frame durations of an AVIF, in milliseconds, as libavif's decoder reads them (one
// for a still picture); throws if it cannot parse the file.
std::vector<unsigned> avif_durations_ms(const std::string& bytes);
// The frame durations of a JPEG XL file in milliseconds and its loop count (0: forever), as
// libjxl's decoder reads them (one duration of 0 for a still picture); throws if it cannot
// read the file.
struct JxlTiming {
  std::vector<unsigned> durations_ms;
  unsigned loops = 0;
};
JxlTiming jxl_timing(const std::string& bytes);
// Whether the bytes are a JPEG XL file (a bare codestream or the ISO-BMFF container).
bool is_jxl(const std::string& bytes);
// What a command-line tool makes of `bytes`: `tool` names the input file {in} (named
// `in_name`, whose extension some tools go by) and the output file {out} (`out_name`),
// e.g. converted("avifenc -s 8 {in} {out}", png, "in.png", "out.avif"). Throws if the
// tool fails or writes nothing.
std::string converted(const std::string& tool, const std::string& bytes, const std::string& in_name,
                      const std::string& out_name);
// The image as GraphicsMagick reads it: an AVIF or JPEG XL file (which it does not)
// decoded by Debian's avifdec or djxl into a PNG first; other bytes as they are.
std::string readable(const std::string& bytes);

// An animated WebP as libwebp's animation decoder plays it.
struct WebpAnimation {
  unsigned width = 0;
  unsigned height = 0;
  unsigned loop_count = 0;               // times played, 0: forever
  std::vector<int> durations_ms;         // one per frame
  std::vector<std::string> frames_rgba;  // each frame as shown: width × height × RGBA
};
// Throws if the bytes are not a WebP that libwebp's animation decoder reads.
WebpAnimation decode_webp_animation(const std::string& bytes);

// Peak signal-to-noise ratio in dB of two images of one size over their 8-bit RGB samples
// (higher is closer; infinity when identical).
double psnr(const std::string& a, const std::string& b);

}  // namespace imgcache::testing
