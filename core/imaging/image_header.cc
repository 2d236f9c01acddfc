#include "core/imaging/image_header.h"

#include <cstdint>

#include "core/error.h"

namespace imgcache {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool has(std::size_t offset, std::size_t count) const {
    return offset <= bytes_.size() && count <= bytes_.size() - offset;
  }
  unsigned u8(std::size_t at) const { return static_cast<unsigned char>(bytes_[at]); }
  unsigned be16(std::size_t at) const { return (u8(at) << 8) | u8(at + 1); }
  unsigned le16(std::size_t at) const { return u8(at) | (u8(at + 1) << 8); }
  unsigned le24(std::size_t at) const { return le16(at) | (u8(at + 2) << 16); }
  std::uint32_t be32(std::size_t at) const { return (be16(at) << 16) | be16(at + 2); }
  std::uint32_t le32(std::size_t at) const { return le16(at) | (le16(at + 2) << 16); }
  std::string_view text(std::size_t at, std::size_t count) const {
    return has(at, count) ? bytes_.substr(at, count) : std::string_view();
  }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
};

// EXIF orientation from an APP1 "Exif\0\0" payload starting at `at`, or 1.
unsigned exif_orientation(const Reader& r, std::size_t at, std::size_t length) {
  if (length < 14 || r.text(at, 6) != std::string_view("Exif\0\0", 6)) return 1;
  std::size_t tiff = at + 6;
  std::size_t end = at + length;
  bool little = r.text(tiff, 2) == "II";
  if (!little && r.text(tiff, 2) != "MM") return 1;
  auto u16 = [&](std::size_t p) { return little ? r.le16(p) : r.be16(p); };
  auto u32 = [&](std::size_t p) { return little ? r.le32(p) : r.be32(p); };
  std::size_t ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end || !r.has(ifd, 2)) return 1;
  unsigned entries = u16(ifd);
  for (unsigned i = 0; i < entries; ++i) {
    std::size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > end || !r.has(entry, 12)) return 1;
    if (u16(entry) == 0x0112) {
      unsigned value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

void read_jpeg(const Reader& r, ImageHeader& h) {
  std::size_t app_bytes = 0;
  std::size_t at = 2;
  while (r.has(at, 4)) {
    if (r.u8(at) != 0xff) return;
    unsigned marker = r.u8(at + 1);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01) {
      at += 2;
      continue;
    }
    unsigned length = r.be16(at + 2);
    if (length < 2) return;
    bool sof = marker == 0xc0 || marker == 0xc1 || marker == 0xc2 || marker == 0xc3 ||
               marker == 0xc9 || marker == 0xca || marker == 0xcb;
    if (sof) {
      if (!r.has(at + 5, 5)) return;
      h.height = r.be16(at + 5);
      h.width = r.be16(at + 7);
      h.cmyk = r.u8(at + 9) == 4;
      h.heavy_metadata = app_bytes > r.size() / 20;
      return;
    }
    if (marker >= 0xe1 && marker <= 0xef) app_bytes += length;
    if (marker == 0xe1 && h.orientation == 1)
      h.orientation = exif_orientation(r, at + 4, length - 2);
    if (marker == 0xda || marker == 0xd9) return;  // scan data or end before any frame header
    at += 2 + length;
  }
}

void read_png(const Reader& r, ImageHeader& h) {
  if (r.text(12, 4) != "IHDR" || !r.has(16, 8)) return;
  h.width = r.be32(16);
  h.height = r.be32(20);
}

void read_gif(const Reader& r, ImageHeader& h) {
  if (!r.has(6, 4)) return;
  h.width = r.le16(6);
  h.height = r.le16(8);
}

void read_webp(const Reader& r, ImageHeader& h) {
  std::string_view chunk = r.text(12, 4);
  if (chunk == "VP8 " && r.has(20, 10)) {
    if (r.u8(23) != 0x9d || r.u8(24) != 0x01 || r.u8(25) != 0x2a) return;
    h.width = r.le16(26) & 0x3fff;
    h.height = r.le16(28) & 0x3fff;
  } else if (chunk == "VP8L" && r.has(20, 5)) {
    if (r.u8(20) != 0x2f) return;
    std::uint32_t bits = r.le32(21);
    h.width = (bits & 0x3fff) + 1;
    h.height = ((bits >> 14) & 0x3fff) + 1;
  } else if (chunk == "VP8X" && r.has(20, 10)) {
    h.animated_webp = (r.u8(20) & 0x02) != 0;
    h.width = r.le24(24) + 1;
    h.height = r.le24(27) + 1;
  }
}

// The HEIF flavour of an ISO-BMFF file by the brands of its leading "ftyp" box: AVIF, or
// HEIC (HEVC-coded); nullopt for other brands (MP4 video, bare mif1 files).
std::optional<ImageFormat> heif_format(const Reader& r) {
  if (r.text(4, 4) != "ftyp") return std::nullopt;
  const std::size_t end = std::min<std::size_t>(r.be32(0), r.size());
  bool heic = false;
  for (std::size_t at = 8; at + 4 <= end; at += at == 8 ? 8 : 4) {  // major, version, compatible
    const std::string_view brand = r.text(at, 4);
    if (brand == "avif" || brand == "avis") return ImageFormat::avif;
    heic = heic || brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis";
  }
  if (heic) return ImageFormat::heic;
  return std::nullopt;
}

bool is_jxl(std::string_view bytes) {
  return bytes.substr(0, 2) == "\xff\x0a" ||
         bytes.substr(0, 12) == std::string_view("\0\0\0\x0cJXL \r\n\x87\n", 12);
}

}  // namespace

std::optional<ImageFormat> sniff_format(std::string_view bytes) {
  if (bytes.size() < 16) return std::nullopt;
  if (static_cast<unsigned char>(bytes[0]) == 0xff &&
      static_cast<unsigned char>(bytes[1]) == 0xd8) {
    return ImageFormat::jpeg;
  }
  if (bytes.substr(0, 6) == "GIF87a" || bytes.substr(0, 6) == "GIF89a") return ImageFormat::gif;
  if (bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return ImageFormat::png;
  if (bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") return ImageFormat::webp;
  if (is_jxl(bytes)) return ImageFormat::jxl;
  return heif_format(Reader(bytes));
}

ImageHeader read_image_header(std::string_view bytes) {
  auto format = sniff_format(bytes);
  if (!format) {
    throw Error(Errc::unsupported_image, "not a JPEG, PNG, GIF, WebP, AVIF, HEIC or JPEG XL image");
  }
  ImageHeader header;
  header.format = *format;
  Reader reader(bytes);
  switch (*format) {
    case ImageFormat::jpeg:
      read_jpeg(reader, header);
      break;
    case ImageFormat::png:
      read_png(reader, header);
      break;
    case ImageFormat::gif:
      read_gif(reader, header);
      break;
    case ImageFormat::webp:
      read_webp(reader, header);
      break;
    case ImageFormat::avif:  // sizes in boxes libheif and libjxl read (ping_size)
    case ImageFormat::heic:
    case ImageFormat::jxl:
      break;
  }
  return header;
}

}  // namespace imgcache
