#include "core/jpeg_resize.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
// clang-format on

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/jpeg_dc_scans.h"
#include "core/magick_resize.h"
#include "core/resample.h"

namespace imgcache {
namespace {

// Thrown out of libjpeg on an error or a warning (corrupt data); the file goes to
// GraphicsMagick's reader instead.
struct JpegRefused {};

[[noreturn]] void refuse(j_common_ptr) { throw JpegRefused{}; }

void refuse_warnings(j_common_ptr, int level) {
  if (level < 0) throw JpegRefused{};
}

class Decompressor {
 public:
  explicit Decompressor(std::string_view jpeg) {
    info_.err = jpeg_std_error(&errors_);
    errors_.error_exit = refuse;
    errors_.emit_message = refuse_warnings;
    jpeg_create_decompress(&info_);
    jpeg_mem_src(&info_, reinterpret_cast<const unsigned char*>(jpeg.data()),
                 static_cast<unsigned long>(jpeg.size()));
  }
  ~Decompressor() { jpeg_destroy_decompress(&info_); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  jpeg_decompress_struct& info() { return info_; }

 private:
  jpeg_error_mgr errors_{};
  jpeg_decompress_struct info_{};
};

// libjpeg's output in GraphicsMagick's colour order, with an opaque alpha byte.
#if defined(MAGICK_PIXELS_BGRA)
constexpr J_COLOR_SPACE kColourOutput = JCS_EXT_BGRA;
#else
constexpr J_COLOR_SPACE kColourOutput = JCS_EXT_RGBA;
#endif

// One scanline as the resampler's pixels: four bytes per pixel map one to one, a grey one
// to three colours and an opaque alpha.
void to_pixels(const unsigned char* scanline, bool grey, std::span<float> row) {
  constexpr float kScale = 1.0f / 255.0f;
  if (!grey) {
    for (std::size_t i = 0; i < row.size(); ++i) row[i] = scanline[i] * kScale;
    return;
  }
  for (std::size_t i = 0; i < row.size(); i += kResampleChannels) {
    const float level = *scanline++ * kScale;
    row[i] = row[i + 1] = row[i + 2] = level;
    row[i + 3] = 1.0f;
  }
}

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

// `jpeg` decoded at 1/denominator straight into the resampler, or nullopt when it is not
// 8-bit grey, YCbCr or RGB. Throws JpegRefused.
std::optional<Magick::Image> decode_resized(std::string_view jpeg, unsigned denominator,
                                            Size target, ResizeFilter filter) {
  Decompressor decompressor(jpeg);
  jpeg_decompress_struct& info = decompressor.info();
  jpeg_save_markers(&info, JPEG_APP0 + 2, 0xffff);  // ICC profile chunks
  jpeg_read_header(&info, TRUE);
  const bool grey = info.jpeg_color_space == JCS_GRAYSCALE;
  if (info.data_precision != 8 ||
      (!grey && info.jpeg_color_space != JCS_YCbCr && info.jpeg_color_space != JCS_RGB)) {
    return std::nullopt;
  }
  info.scale_num = 1;
  info.scale_denom = denominator;
  info.out_color_space = grey ? JCS_GRAYSCALE : kColourOutput;
  jpeg_start_decompress(&info);
  const Size decoded{info.output_width, info.output_height};
  std::vector<unsigned char> scanline(static_cast<std::size_t>(decoded.width) *
                                      info.output_components);

  std::unique_ptr<MagickLib::Image, decltype(&MagickLib::DestroyImage)> owned(
      MagickLib::AllocateImage(nullptr), &MagickLib::DestroyImage);
  if (!owned) throw Magick::ErrorResourceLimit("cannot allocate the resized image");
  MagickLib::Image* resized = owned.get();
  resized->columns = target.width;
  resized->rows = target.height;
  resized->depth = 8;
  resized->is_grayscale = grey ? MagickTrue : MagickFalse;
  resample(
      decoded, target, filter,
      [&](unsigned, std::span<float> row) {
        JSAMPROW rows[] = {scanline.data()};
        if (jpeg_read_scanlines(&info, rows, 1) != 1) throw JpegRefused{};
        to_pixels(scanline.data(), grey, row);
      },
      [&](unsigned y, std::span<const float> row) { store_resampled_row(resized, y, row); });
  // Rows the filter did not reach are left undecoded; jpeg_destroy ends the decompression.
  Magick::Image image(owned.release());
  if (Magick::Blob icc = icc_profile(info); icc.length() > 0) image.iccColorProfile(icc);
  return image;
}

}  // namespace

std::optional<Magick::Image> read_jpeg_resized(std::string_view jpeg, Size target,
                                               ResizeFilter filter) {
  try {
    unsigned denominator = 1;
    {
      Decompressor decompressor(jpeg);
      jpeg_read_header(&decompressor.info(), TRUE);
      denominator = shrink_denominator(decompressor.info(), target);
    }
    if (denominator == 8) {
      if (std::optional<std::string> dc_scans = progressive_jpeg_dc_scans(jpeg)) {
        try {
          return decode_resized(*dc_scans, denominator, target, filter);
        } catch (const JpegRefused&) {
          // the whole file may still decode
        }
      }
    }
    return decode_resized(jpeg, denominator, target, filter);
  } catch (const JpegRefused&) {
    return std::nullopt;
  }
}

}  // namespace imgcache
