// The DC coefficients of a Huffman-coded progressive JPEG (SOF2) with 8-bit samples and one
// or three components, read from its DC scans (first ones and refinements, ITU T.81
// G.1.2.1) and from nothing else: AC scans are stepped over. Segments come from
// core/imaging/jpeg_segments.h; anything damaged or not understood is jpeg::Refused.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgcache::jpeg {

class BitReader;

// A DC Huffman table (JPEG, Annex C and F.2.2.3), with a lookup of the codes of up to
// kLookBits bits.
class HuffmanTable {
 public:
  // `counts`: how many codes of each length 1..16; `values`: the symbols in code order.
  void define(std::string_view counts, std::string_view values);
  bool defined() const { return !values_.empty(); }
  unsigned decode(BitReader& bits) const;

 private:
  static constexpr unsigned kLookBits = 9;
  std::array<std::uint16_t, 1u << kLookBits> lookup_{};  // length << 8 | symbol; 0: longer
  std::array<int, 17> first_code_{};
  std::array<int, 17> last_code_{};
  std::array<unsigned, 17> first_index_{};
  std::string values_;
};

struct DcComponent {
  unsigned id = 0;
  unsigned h = 1;  // sampling factors
  unsigned v = 1;
  unsigned quant_table = 0;
  int dc_quant = 0;  // latched at the component's first scan, as libjpeg does
  bool dc_started = false;
  unsigned dc_low = 0;         // the lowest DC bit sent so far (Al of the last DC scan)
  unsigned blocks_across = 0;  // to the edge of the last MCU
  unsigned blocks_down = 0;
  std::vector<std::int16_t> dc;  // per block, row-major
};

class DcScans {
 public:
  void read_frame(std::string_view frame);  // the SOF2 segment
  void read_huffman_tables(std::string_view segment);
  void read_quant_tables(std::string_view segment);
  void read_restart_interval(std::string_view segment);
  void read_scan(std::string_view header, std::string_view data);
  // Throws Refused unless a frame was read and every component has its DC scan.
  void require_complete() const;

  unsigned width() const { return width_; }
  unsigned height() const { return height_; }
  unsigned max_h() const { return max_h_; }
  unsigned max_v() const { return max_v_; }
  const std::vector<DcComponent>& components() const { return components_; }

 private:
  unsigned width_ = 0;
  unsigned height_ = 0;
  unsigned max_h_ = 1;
  unsigned max_v_ = 1;
  unsigned mcus_across_ = 0;
  unsigned mcus_down_ = 0;
  unsigned restart_interval_ = 0;
  std::vector<DcComponent> components_;
  std::array<HuffmanTable, 4> dc_tables_;
  std::array<int, 4> dc_quant_{};
};

}  // namespace imgcache::jpeg
