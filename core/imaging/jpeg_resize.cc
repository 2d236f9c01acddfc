#include "core/imaging/jpeg_resize.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
// clang-format on

#include <Magick++.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "core/imaging/byte_pixels.h"
#include "core/imaging/jpeg_scaled_picture.h"
#include "core/imaging/jpeg_segments.h"
#include "core/imaging/magick_pixels.h"
#include "core/imaging/resample.h"

namespace imgcache {
namespace {

// Thrown out of libjpeg on an error or a warning (corrupt data); the file goes to
// GraphicsMagick's reader instead. The exception unwinds through libjpeg's C frames, which
// the unwind tables of Debian's builds (-fasynchronous-unwind-tables, the default on
// amd64 and arm64) allow; libjpeg keeps no state outside the decompressor, which
// ~Decompressor destroys.
struct JpegRefused {};

[[noreturn]] void refuse(j_common_ptr) { throw JpegRefused{}; }

void refuse_warnings(j_common_ptr, int level) {
  if (level < 0) throw JpegRefused{};
}

// Called by libjpeg as it reads: a progressive file past jpeg::kMaxScans scans is refused.
void limit_scans(j_common_ptr common) {
  const auto* info = reinterpret_cast<const jpeg_decompress_struct*>(common);
  if (info->input_scan_number > jpeg::kMaxScans) throw JpegRefused{};
}

class Decompressor {
 public:
  explicit Decompressor(std::string_view jpeg) {
    info_.err = jpeg_std_error(&errors_);
    errors_.error_exit = refuse;
    errors_.emit_message = refuse_warnings;
    progress_.progress_monitor = limit_scans;
    jpeg_create_decompress(&info_);
    info_.progress = &progress_;
    try {
      jpeg_mem_src(&info_, reinterpret_cast<const unsigned char*>(jpeg.data()),
                   static_cast<unsigned long>(jpeg.size()));  // refuses an empty buffer
    } catch (...) {
      jpeg_destroy_decompress(&info_);
      throw;
    }
  }
  ~Decompressor() { jpeg_destroy_decompress(&info_); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  jpeg_decompress_struct& info() { return info_; }

 private:
  jpeg_error_mgr errors_{};
  jpeg_progress_mgr progress_{};
  jpeg_decompress_struct info_{};
};

// libjpeg's output in GraphicsMagick's colour order, with an opaque alpha byte.
#if defined(MAGICK_PIXELS_BGRA)
constexpr J_COLOR_SPACE kColourOutput = JCS_EXT_BGRA;
#else
constexpr J_COLOR_SPACE kColourOutput = JCS_EXT_RGBA;
#endif

// The largest of libjpeg's power-of-two shrinks that keeps twice the target both ways.
unsigned shrink_denominator(const jpeg_decompress_struct& info, Size target) {
  for (unsigned denominator : {8u, 4u, 2u}) {
    const unsigned width = (info.image_width + denominator - 1) / denominator;
    const unsigned height = (info.image_height + denominator - 1) / denominator;
    if (width >= 2 * target.width && height >= 2 * target.height) return denominator;
  }
  return 1;
}

Magick::Blob icc_profile(jpeg_decompress_struct& info) {
  JOCTET* data = nullptr;
  unsigned int length = 0;
  if (!jpeg_read_icc_profile(&info, &data, &length)) return Magick::Blob();
  std::unique_ptr<JOCTET, decltype(&std::free)> owned(data, &std::free);
  return Magick::Blob(data, length);
}

// The JFIF pixel density (dots per inch or centimetre), which GraphicsMagick's reader keeps
// too.
void keep_density(const jpeg_decompress_struct& info, Magick::Image& image) {
  if (!info.saw_JFIF_marker || info.X_density == 0 || info.Y_density == 0) return;
  if (info.density_unit != 1 && info.density_unit != 2) return;  // an aspect ratio only
  image.resolutionUnits(info.density_unit == 1 ? Magick::PixelsPerInchResolution
                                               : Magick::PixelsPerCentimeterResolution);
  image.density(Magick::Geometry(info.X_density, info.Y_density));
}

// The picture at 1/denominator from a progressive file's low-frequency coefficients,
// resampled; nullopt when they do not decode.
std::optional<Magick::Image> from_progressive_scans(std::string_view jpeg, unsigned denominator,
                                                    bool rgb, Size target, ResizeFilter filter) {
  const std::optional<ScaledPicture> picture = progressive_jpeg_picture(jpeg, denominator, rgb);
  if (!picture) return std::nullopt;
  std::vector<unsigned char> samples(std::size_t{picture->width()} * (picture->grey() ? 1 : 3));
  return resampled_image({picture->width(), picture->height()}, target, picture->grey(), false,
                         filter, [&](unsigned y, std::span<float> row) {
                           picture->row(y, samples);
                           picture->grey() ? grey_to_pixels(samples.data(), row)
                                           : rgb_to_pixels(samples.data(), row);
                         });
}

// The file whose header `info` has read, decoded at 1/denominator straight into the
// resampler. Throws JpegRefused.
Magick::Image decoded_resized(jpeg_decompress_struct& info, unsigned denominator, Size target,
                              ResizeFilter filter) {
  const bool grey = info.jpeg_color_space == JCS_GRAYSCALE;
  info.scale_num = 1;
  info.scale_denom = denominator;
  info.out_color_space = grey ? JCS_GRAYSCALE : kColourOutput;
  jpeg_start_decompress(&info);
  std::vector<unsigned char> scanline(static_cast<std::size_t>(info.output_width) *
                                      info.output_components);
  // Rows the filter does not reach are left undecoded; jpeg_destroy ends the decompression.
  return resampled_image({info.output_width, info.output_height}, target, grey, false, filter,
                         [&](unsigned, std::span<float> row) {
                           JSAMPROW rows[] = {scanline.data()};
                           if (jpeg_read_scanlines(&info, rows, 1) != 1) throw JpegRefused{};
                           grey ? grey_to_pixels(scanline.data(), row)
                                : quads_to_pixels(scanline.data(), row);
                         });
}

}  // namespace

std::optional<Magick::Image> read_jpeg_resized(std::string_view jpeg, Size target,
                                               ResizeFilter filter) {
  try {
    Decompressor decompressor(jpeg);
    jpeg_decompress_struct& info = decompressor.info();
    jpeg_save_markers(&info, JPEG_APP0 + 2, 0xffff);  // ICC profile chunks
    jpeg_read_header(&info, TRUE);
    const bool grey = info.jpeg_color_space == JCS_GRAYSCALE;
    if (info.data_precision != 8 ||
        (!grey && info.jpeg_color_space != JCS_YCbCr && info.jpeg_color_space != JCS_RGB)) {
      return std::nullopt;
    }
    const Magick::Blob icc = icc_profile(info);
    const unsigned denominator = shrink_denominator(info, target);
    std::optional<Magick::Image> image;
    if (denominator > 1 && info.progressive_mode) {
      image = from_progressive_scans(jpeg, denominator, info.jpeg_color_space == JCS_RGB, target,
                                     filter);
    }
    if (!image) image = decoded_resized(info, denominator, target, filter);
    if (icc.length() > 0) image->iccColorProfile(icc);
    keep_density(info, *image);
    return image;
  } catch (const JpegRefused&) {
    return std::nullopt;
  }
}

}  // namespace imgcache
