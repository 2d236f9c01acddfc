// The words imaging, the cache and the URL grammar share: image formats (one table of
// name, MIME type and GraphicsMagick coder), sizes, the operation a request asks for and
// the resize filter. Plain values, no I/O.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace imgcache {

enum class ImageFormat { jpeg, png, gif, webp, avif, jxl, heic };

inline constexpr std::array kImageFormats = {ImageFormat::jpeg, ImageFormat::png,  ImageFormat::gif,
                                             ImageFormat::webp, ImageFormat::avif, ImageFormat::jxl,
                                             ImageFormat::heic};

std::string_view format_name(ImageFormat format);       // "jpeg"
std::string_view format_mime_type(ImageFormat format);  // "image/jpeg"
const char* format_coder(ImageFormat format);  // GraphicsMagick's "JPEG"; none for AVIF, JPEG XL
std::optional<ImageFormat> format_from_name(std::string_view name);
// Whether imgcache writes the format (all but HEIC, which it reads only).
bool writable(ImageFormat format);
// Whether a source in the format is answered in it when no format is asked or negotiated:
// those every browser shows. HEIC and JPEG XL sources are answered as JPEG (or PNG).
bool shown_everywhere(ImageFormat format);

struct Size {
  unsigned width = 0;
  unsigned height = 0;
  bool operator==(const Size&) const = default;
};

// A box dimension: 0 means unconstrained ('-' in the URL, as in nginx); the URL parser
// bounds it by max_width / max_height.
constexpr unsigned kUnbounded = 0;

struct Operation {
  unsigned width = kUnbounded;
  unsigned height = kUnbounded;
  bool crop = false;
  unsigned rotate = 0;                // 0, 90, 180 or 270, counter-clockwise
  std::optional<unsigned> quality;    // 1..100
  std::optional<ImageFormat> format;  // explicit output format

  // "150x150,crop,r90,q80,webp": fixed option order, no defaults spelled out.
  std::string canonical() const;
};

enum class ResizeFilter { lanczos, catrom, mitchell, triangle };

}  // namespace imgcache
