#include "core/imaging/jpeg_segments.h"

namespace imgcache::jpeg {
namespace {

constexpr unsigned kTem = 0x01;
constexpr unsigned kSoi = 0xd8;
constexpr unsigned kEoi = 0xd9;

bool is_restart_marker(unsigned marker) { return marker >= 0xd0 && marker <= 0xd7; }

// The offset of the first marker after a scan's entropy-coded data starting at `at`:
// stuffed zero bytes and restart markers belong to the data.
std::size_t end_of_entropy_data(std::string_view bytes, std::size_t at) {
  while (at + 1 < bytes.size()) {
    at = bytes.find('\xff', at);
    if (at == std::string_view::npos || at + 1 >= bytes.size()) break;
    const unsigned next = byte_at(bytes, at + 1);
    if (next == 0x00 || is_restart_marker(next)) {
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

unsigned byte_at(std::string_view bytes, std::size_t at) {
  require(at < bytes.size());
  return static_cast<unsigned char>(bytes[at]);
}

unsigned u16_at(std::string_view bytes, std::size_t at) {
  return (byte_at(bytes, at) << 8) | byte_at(bytes, at + 1);
}

bool is_frame_marker(unsigned marker) {  // SOF0..SOF15 without DHT, JPG and DAC
  return marker >= 0xc0 && marker <= 0xcf && marker != kDht && marker != 0xc8 && marker != 0xcc;
}

void walk_segments(std::string_view jpeg, const std::function<void(const Segment&)>& visit) {
  require(u16_at(jpeg, 0) == (0xff00 | kSoi));
  std::size_t at = 2;
  while (true) {
    require(byte_at(jpeg, at) == 0xff);
    const unsigned marker = byte_at(jpeg, at + 1);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == kEoi) return;
    require(marker != kSoi);                            // a second start of image
    if (is_restart_marker(marker) || marker == kTem) {  // markers without a length
      at += 2;
      continue;
    }
    const std::size_t length = u16_at(jpeg, at + 2);
    require(length >= 2 && at + 2 + length <= jpeg.size());
    Segment segment{.marker = marker, .payload = jpeg.substr(at + 4, length - 2)};
    at += 2 + length;
    if (marker == kSos) {
      const std::size_t end = end_of_entropy_data(jpeg, at);
      require(end < jpeg.size());  // truncated
      segment.scan_data = jpeg.substr(at, end - at);
      at = end;
    }
    visit(segment);
  }
}

}  // namespace imgcache::jpeg
