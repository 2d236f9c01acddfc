// Palette PNG output (config png_quantize): RGBA pixels reduced to at most 256 colours by
// libimagequant (the library of pngquant; alpha kept, dithered) and written (png_write.h)
// as an indexed PNG with a tRNS chunk. Photos and alpha-heavy graphics usually shrink to a third
// of their truecolour size.
#pragma once

#include <optional>
#include <span>
#include <string>

namespace imgcache {

// The lowest quality (libimagequant's 0-100 scale, as pngquant's --quality) a palette
// must reach; below it the image keeps its truecolour encoding.
inline constexpr int kPaletteQualityFloor = 70;

// The indexed PNG of width × height RGBA pixels (rows top to bottom, 4 bytes each),
// compressed at `compression` (write_png's level); nullopt when no palette reaches
// kPaletteQualityFloor. Throws Error(internal) when libimagequant fails.
std::optional<std::string> encode_palette_png(std::span<const unsigned char> rgba, unsigned width,
                                              unsigned height, int compression);

}  // namespace imgcache
