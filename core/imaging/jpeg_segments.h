// The marker structure of a JPEG file (ITU T.81 Annex B): the segments between SOI and
// EOI, each scan's entropy-coded data, and the byte readers the decoders built on them
// share. Anything damaged or not understood is jpeg::Refused.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace imgcache::jpeg {

inline constexpr unsigned kSos = 0xda;
inline constexpr unsigned kDqt = 0xdb;
inline constexpr unsigned kDht = 0xc4;
inline constexpr unsigned kDri = 0xdd;
inline constexpr unsigned kProgressiveHuffman = 0xc2;  // SOF2

// The most scans a progressive file may have: every scan is a pass over every block, so a
// file of thousands of tiny scans would cost minutes. Encoders write ten or so;
// GraphicsMagick's reader, which judges what the decoders refuse, stops at 100 too.
inline constexpr int kMaxScans = 100;

// Anything a decoder does not take or finds damaged.
struct Refused {};

inline void require(bool condition) {
  if (!condition) throw Refused{};
}

unsigned byte_at(std::string_view bytes, std::size_t at);
unsigned u16_at(std::string_view bytes, std::size_t at);

bool is_frame_marker(unsigned marker);  // SOF0..SOF15 without DHT, JPG and DAC

struct Segment {
  unsigned marker = 0;
  std::string_view payload;    // after the length
  std::string_view scan_data;  // SOS only: the entropy-coded data that follows
};

// Each segment with a payload, in file order, up to EOI. Throws Refused when the file does
// not start with SOI, has a second SOI, a bad length, or ends before EOI.
void walk_segments(std::string_view jpeg, const std::function<void(const Segment&)>& visit);

}  // namespace imgcache::jpeg
