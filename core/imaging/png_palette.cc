#include "core/imaging/png_palette.h"

#include <libimagequant.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/imaging/png_write.h"

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
  const liq_palette& colours = *liq_get_palette(result.get());
  std::vector<PngPaletteEntry> palette(colours.count);
  for (unsigned i = 0; i < colours.count; ++i) {
    palette[i] = {colours.entries[i].r, colours.entries[i].g, colours.entries[i].b,
                  colours.entries[i].a};
  }
  return write_png({.width = width,
                    .height = height,
                    .colour = PngColour::palette,
                    .read_row =
                        [&](unsigned y, std::span<unsigned char> row) {
                          std::copy_n(indices.begin() + std::ptrdiff_t{y} * width, width,
                                      row.begin());
                        },
                    .palette = palette},
                   compression);
}

}  // namespace imgcache
