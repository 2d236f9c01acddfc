#include "core/jpeg_dc_scans.h"

namespace imgcache {
namespace {

constexpr unsigned char kSoi = 0xd8;
constexpr unsigned char kEoi = 0xd9;
constexpr unsigned char kSos = 0xda;
constexpr unsigned char kProgressiveHuffman = 0xc2;

unsigned byte_at(std::string_view bytes, std::size_t at) {
  return static_cast<unsigned char>(bytes[at]);
}

bool is_frame_marker(unsigned marker) {  // SOF0..SOF15 without DHT, JPG and DAC
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

// The offset of the first marker after a scan's entropy-coded data starting at `at`:
// stuffed zero bytes and restart markers belong to the data.
std::size_t end_of_entropy_data(std::string_view bytes, std::size_t at) {
  while (at + 1 < bytes.size()) {
    at = bytes.find('\xff', at);
    if (at == std::string_view::npos || at + 1 >= bytes.size()) break;
    unsigned next = byte_at(bytes, at + 1);
    if (next == 0x00 || (next >= 0xd0 && next <= 0xd7)) {
      at += 2;
    } else if (next == 0xff) {
      ++at;  // fill byte before a marker
    } else {
      return at;
    }
  }
  return bytes.size();
}

}  // namespace

std::optional<std::string> progressive_jpeg_dc_scans(std::string_view jpeg) {
  if (jpeg.size() < 4 || byte_at(jpeg, 0) != 0xff || byte_at(jpeg, 1) != kSoi) return std::nullopt;
  std::string out(jpeg.substr(0, 2));
  bool progressive = false;
  bool kept_dc_scan = false;
  bool left_out_ac_scan = false;
  std::size_t at = 2;
  while (true) {
    if (at + 1 >= jpeg.size() || byte_at(jpeg, at) != 0xff) return std::nullopt;
    unsigned marker = byte_at(jpeg, at + 1);
    if (marker == 0xff) {
      ++at;
      continue;
    }
    if (marker == kEoi) break;
    if (at + 4 > jpeg.size()) return std::nullopt;
    std::size_t length = (byte_at(jpeg, at + 2) << 8) | byte_at(jpeg, at + 3);
    if (length < 2 || at + 2 + length > jpeg.size()) return std::nullopt;
    std::size_t segment_end = at + 2 + length;
    if (is_frame_marker(marker)) {
      if (marker != kProgressiveHuffman || progressive) return std::nullopt;
      progressive = true;
    }
    if (marker != kSos) {
      out.append(jpeg.substr(at, segment_end - at));
      at = segment_end;
      continue;
    }
    // SOS: Ls, Ns, Ns × (Cs, Td/Ta), Ss, Se, Ah/Al
    if (!progressive || length < 6) return std::nullopt;
    std::size_t components = byte_at(jpeg, at + 4);
    if (length != 6 + 2 * components) return std::nullopt;
    unsigned spectral_start = byte_at(jpeg, at + 5 + 2 * components);
    std::size_t scan_end = end_of_entropy_data(jpeg, segment_end);
    if (scan_end >= jpeg.size()) return std::nullopt;  // truncated: let the decoder judge it
    if (spectral_start == 0) {
      out.append(jpeg.substr(at, scan_end - at));
      kept_dc_scan = true;
    } else {
      left_out_ac_scan = true;
    }
    at = scan_end;
  }
  if (!kept_dc_scan || !left_out_ac_scan) return std::nullopt;
  out.push_back(static_cast<char>(0xff));
  out.push_back(static_cast<char>(kEoi));
  return out;
}

}  // namespace imgcache
