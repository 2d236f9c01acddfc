// The low-frequency coefficients of a Huffman-coded progressive JPEG (SOF2) with 8-bit
// samples and one or three components: the top-left `kept` × `kept` of every block (1, 2
// or 4: what a picture at 1/8, 1/4 or 1/2 scale is made of), read from the DC scans (first
// ones and refinements, ITU T.81 G.1.2.1) and, above 1/8, the AC scans (G.1.2.2, G.1.2.3);
// at 1/8 the AC scans are stepped over. Each block keeps kept² coefficients and, when AC
// scans are read, a mask of the 64 that have been sent nonzero (an AC refinement is read
// against it) — libjpeg keeps all 64 coefficients of every block until the last scan.
// Segments come from core/imaging/jpeg_segments.h; anything damaged or not understood is
// jpeg::Refused.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgcache::jpeg {

class BitReader;

// A Huffman table (JPEG, Annex C and F.2.2.3), with a lookup of the codes of up to
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

struct ScanComponent {
  unsigned id = 0;
  unsigned h = 1;  // sampling factors
  unsigned v = 1;
  unsigned quant_table = 0;
  // The kept coefficients' quantisers, latched at the component's first scan, as libjpeg
  // does; in the order of `coefficients`.
  std::vector<std::uint16_t> quant;
  bool dc_started = false;
  unsigned dc_low = 0;         // the lowest DC bit sent so far (Al of the last DC scan)
  unsigned blocks_across = 0;  // to the edge of the last MCU
  unsigned blocks_down = 0;
  // Per block, row-major: its top-left kept × kept coefficients, row by row.
  std::vector<std::int16_t> coefficients;
  // Per block: bit k set once coefficient k (zigzag order) has been sent nonzero. Empty
  // when only DC coefficients are kept.
  std::vector<std::uint64_t> nonzero;
};

class Scans {
 public:
  explicit Scans(unsigned kept);  // 1, 2 or 4

  void read_frame(std::string_view frame);  // the SOF2 segment
  void read_huffman_tables(std::string_view segment);
  void read_quant_tables(std::string_view segment);
  void read_restart_interval(std::string_view segment);
  void read_scan(std::string_view header, std::string_view data);
  // After the last scan: throws Refused unless a frame was read and every component has its
  // DC scan, and lets go of what only reading the scans needed (the nonzero masks).
  void finish();

  unsigned kept() const { return kept_; }
  unsigned width() const { return width_; }
  unsigned height() const { return height_; }
  unsigned max_h() const { return max_h_; }
  unsigned max_v() const { return max_v_; }
  const std::vector<ScanComponent>& components() const { return components_; }
  // Lets a component's coefficients go (once its samples are made of them).
  void release(std::size_t component);

 private:
  struct Band;  // the coefficients and bits a scan sends
  void read_dc_scan(const std::vector<ScanComponent*>& in_scan,
                    const std::vector<const HuffmanTable*>& tables, const Band& band,
                    std::string_view data);
  void read_ac_scan(ScanComponent& component, const HuffmanTable& table, const Band& band,
                    std::string_view data);

  unsigned kept_;
  std::array<int, 64> slot_of_zigzag_{};  // where a zigzag position is kept, or -1
  unsigned width_ = 0;
  unsigned height_ = 0;
  unsigned max_h_ = 1;
  unsigned max_v_ = 1;
  unsigned mcus_across_ = 0;
  unsigned mcus_down_ = 0;
  unsigned restart_interval_ = 0;
  std::vector<ScanComponent> components_;
  std::array<HuffmanTable, 4> dc_tables_;
  std::array<HuffmanTable, 4> ac_tables_;
  std::array<std::array<std::uint16_t, 64>, 4> quant_tables_{};  // natural order
  std::array<bool, 4> quant_defined_{};
};

// The coefficients of a whole file: its frame, tables and scans, in file order; other
// segments are passed over.
Scans read_progressive_scans(std::string_view jpeg, unsigned kept);

}  // namespace imgcache::jpeg
