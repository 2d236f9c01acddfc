#include "core/imaging/vocabulary.h"

namespace imgcache {
namespace {

struct FormatNames {
  ImageFormat format;
  std::string_view name;
  std::string_view mime_type;
  const char* coder;
};

constexpr std::array<FormatNames, kImageFormats.size()> kFormatNames = {{
    {ImageFormat::jpeg, "jpeg", "image/jpeg", "JPEG"},
    {ImageFormat::png, "png", "image/png", "PNG"},
    {ImageFormat::gif, "gif", "image/gif", "GIF"},
    {ImageFormat::webp, "webp", "image/webp", "WEBP"},
    {ImageFormat::avif, "avif", "image/avif", nullptr},  // written by libavif, read by libheif
    {ImageFormat::jxl, "jxl", "image/jxl", nullptr},     // written and read by libjxl
    {ImageFormat::heic, "heic", "image/heic", nullptr},  // read by libheif
}};

const FormatNames& names_of(ImageFormat format) {
  for (const FormatNames& names : kFormatNames) {
    if (names.format == format) return names;
  }
  return kFormatNames.front();
}

}  // namespace

std::string_view format_name(ImageFormat format) { return names_of(format).name; }

std::string_view format_mime_type(ImageFormat format) { return names_of(format).mime_type; }

const char* format_coder(ImageFormat format) { return names_of(format).coder; }

std::optional<ImageFormat> format_from_name(std::string_view name) {
  for (const FormatNames& names : kFormatNames) {
    if (names.name == name) return names.format;
  }
  return std::nullopt;
}

bool writable(ImageFormat format) { return format != ImageFormat::heic; }

bool shown_everywhere(ImageFormat format) {
  return format != ImageFormat::heic && format != ImageFormat::jxl;
}

std::string Operation::canonical() const {
  auto dimension = [](unsigned v) {
    return v == kUnbounded ? std::string("-") : std::to_string(v);
  };
  std::string out = dimension(width) + "x" + dimension(height);
  if (crop) out += ",crop";
  if (rotate) out += ",r" + std::to_string(rotate);
  if (quality) out += ",q" + std::to_string(*quality);
  if (format) out += "," + std::string(format_name(*format));
  return out;
}

}  // namespace imgcache
