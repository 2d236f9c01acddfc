#include "core/imaging/png_palette.h"

#include <libimagequant.h>
#include <png.h>

#include <memory>
#include <vector>

#include "core/error.h"

namespace imgcache {
namespace {

struct FreeAttr {
  void operator()(liq_attr* attr) const { liq_attr_destroy(attr); }
};
struct FreeImage {
  void operator()(liq_image* image) const { liq_image_destroy(image); }
};
struct FreeResult {
  void operator()(liq_result* result) const { liq_result_destroy(result); }
};

[[noreturn]] void png_failed(png_structp, png_const_charp message) {
  throw Error(Errc::internal, std::string("cannot write palette PNG: ") + message);
}
void png_warned(png_structp, png_const_charp) {}

void append_to_string(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))
      ->append(reinterpret_cast<const char*>(data), length);
}

// libpng's writer for one image; destroys it whatever happens.
class PngWriter {
 public:
  PngWriter() {
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, png_failed, png_warned);
    info_ = png_ ? png_create_info_struct(png_) : nullptr;
    if (!info_) throw Error(Errc::internal, "libpng: out of memory");
  }
  PngWriter(const PngWriter&) = delete;
  PngWriter& operator=(const PngWriter&) = delete;
  ~PngWriter() { png_destroy_write_struct(&png_, &info_); }

  std::string write(const liq_palette& palette, const std::vector<unsigned char>& indices,
                    unsigned width, unsigned height, int compression) {
    std::string out;
    png_set_write_fn(png_, &out, append_to_string, nullptr);
    png_set_compression_level(png_, compression);
    png_set_IHDR(png_, info_, width, height, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    std::vector<png_color> colours(palette.count);
    std::vector<png_byte> alphas(palette.count);
    int last_translucent = -1;
    for (unsigned i = 0; i < palette.count; ++i) {
      colours[i] = {palette.entries[i].r, palette.entries[i].g, palette.entries[i].b};
      alphas[i] = palette.entries[i].a;
      if (alphas[i] != 255) last_translucent = static_cast<int>(i);
    }
    png_set_PLTE(png_, info_, colours.data(), static_cast<int>(colours.size()));
    if (last_translucent >= 0) {  // tRNS lists alphas up to the last one below 255
      png_set_tRNS(png_, info_, alphas.data(), last_translucent + 1, nullptr);
    }
    std::vector<png_bytep> rows(height);
    for (unsigned y = 0; y < height; ++y) {
      rows[y] = const_cast<png_bytep>(indices.data() + std::size_t{y} * width);
    }
    png_set_rows(png_, info_, rows.data());
    png_write_png(png_, info_, PNG_TRANSFORM_IDENTITY, nullptr);
    return out;
  }

 private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

}  // namespace

std::optional<std::string> encode_palette_png(std::span<const unsigned char> rgba, unsigned width,
                                              unsigned height, int compression) {
  std::unique_ptr<liq_attr, FreeAttr> attr(liq_attr_create());
  if (!attr) throw Error(Errc::internal, "libimagequant: cannot start");
  liq_set_quality(attr.get(), kPaletteQualityFloor, 100);
  std::unique_ptr<liq_image, FreeImage> image(liq_image_create_rgba(
      attr.get(), rgba.data(), static_cast<int>(width), static_cast<int>(height), 0));
  if (!image) throw Error(Errc::internal, "libimagequant: cannot take the pixels");
  liq_result* quantized = nullptr;
  const liq_error status = liq_image_quantize(image.get(), attr.get(), &quantized);
  if (status == LIQ_QUALITY_TOO_LOW) return std::nullopt;
  if (status != LIQ_OK) throw Error(Errc::internal, "libimagequant: cannot quantise");
  std::unique_ptr<liq_result, FreeResult> result(quantized);
  std::vector<unsigned char> indices(std::size_t{width} * height);
  if (liq_write_remapped_image(result.get(), image.get(), indices.data(), indices.size()) !=
      LIQ_OK) {
    throw Error(Errc::internal, "libimagequant: cannot remap");
  }
  return PngWriter().write(*liq_get_palette(result.get()), indices, width, height, compression);
}

}  // namespace imgcache
