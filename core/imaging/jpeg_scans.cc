#include "core/imaging/jpeg_scans.h"

#include <algorithm>
#include <bit>

#include "core/imaging/jpeg_segments.h"

namespace imgcache::jpeg {

// Entropy-coded data, read through a 64-bit buffer that stops short of the next marker;
// bits needed beyond it are damage.
class BitReader {
 public:
  explicit BitReader(std::string_view data) : data_(data) {}

  // The next n (1..16) bits, without taking them; past the data they read as zeros.
  unsigned peek(unsigned n) {
    if (count_ < n) fill();
    return static_cast<unsigned>(buffer_ >> (64 - n));
  }

  void skip(unsigned n) {
    require(n <= count_);
    buffer_ <<= n;
    count_ -= n;
  }

  unsigned bit() {
    if (count_ == 0) fill();
    require(count_ > 0);
    const auto value = static_cast<unsigned>(buffer_ >> 63);
    buffer_ <<= 1;
    --count_;
    return value;
  }

  unsigned bits(unsigned n) {
    if (n == 0) return 0;
    const unsigned value = peek(n);
    skip(n);
    return value;
  }

  // Drops the padding of the last byte and steps over the restart marker that must follow,
  // RST0 to RST7 in turn.
  void restart() {
    buffer_ = 0;
    count_ = 0;
    while (byte_at(data_, at_) == 0xff && byte_at(data_, at_ + 1) == 0xff) ++at_;
    require(byte_at(data_, at_) == 0xff && byte_at(data_, at_ + 1) == 0xd0 + restarts_ % 8);
    ++restarts_;
    at_ += 2;
  }

 private:
  void fill() {
    while (count_ <= 56 && at_ < data_.size()) {
      const auto byte = static_cast<unsigned char>(data_[at_]);
      if (byte == 0xff) {
        // A stuffed 0xff, else a marker: the end of what may be read.
        if (at_ + 1 >= data_.size() || data_[at_ + 1] != '\0') return;
        at_ += 2;
      } else {
        ++at_;
      }
      buffer_ |= std::uint64_t{byte} << (56 - count_);
      count_ += 8;
    }
  }

  std::string_view data_;
  std::size_t at_ = 0;
  std::uint64_t buffer_ = 0;  // the next bits, first one highest
  unsigned count_ = 0;
  unsigned restarts_ = 0;
};

namespace {

// Blocks a component has up to the image's edge (without the last MCU's padding).
unsigned blocks_to_edge(unsigned pixels, unsigned factor, unsigned max_factor) {
  const unsigned samples = (pixels * factor + max_factor - 1) / max_factor;
  return (samples + 7) / 8;
}

// The natural (row-major) position of each zigzag position (T.81 figure A.6).
constexpr std::array<unsigned, 64> kNaturalOfZigzag = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

// A coefficient of `size` bits as sent (T.81 F.2.2.1, EXTEND).
int extended(unsigned bits, unsigned size) {
  const int value = static_cast<int>(bits);
  return size > 0 && value < (1 << (size - 1)) ? value - (1 << size) + 1 : value;
}

// Positions k to 63 of a block (none from 64 on).
std::uint64_t from(unsigned k) { return k < 64 ? ~std::uint64_t{0} << k : 0; }

std::int16_t checked_coefficient(int value) {
  require(value >= -32768 && value <= 32767);
  return static_cast<std::int16_t>(value);
}

}  // namespace

// Spectral selection and successive approximation of a scan (Ss, Se, Ah, Al).
struct Scans::Band {
  unsigned start = 0;
  unsigned end = 0;
  unsigned high = 0;
  unsigned low = 0;
};

void HuffmanTable::define(std::string_view counts, std::string_view values) {
  lookup_.fill(0);
  int code = 0;
  unsigned index = 0;
  for (unsigned length = 1; length <= 16; ++length) {
    const unsigned count = byte_at(counts, length - 1);
    first_index_[length] = index;
    first_code_[length] = code;
    // Codes must fit in their length, and none may be all ones (as libjpeg requires).
    require(count == 0 || code + static_cast<int>(count) < (1 << length));
    require(index + count <= values.size());
    for (unsigned k = 0; k < count && length <= kLookBits; ++k) {
      const unsigned prefix = static_cast<unsigned>(code + static_cast<int>(k))
                              << (kLookBits - length);
      const auto entry =
          static_cast<std::uint16_t>(length << 8 | static_cast<unsigned char>(values[index + k]));
      std::fill_n(&lookup_[prefix], 1u << (kLookBits - length), entry);
    }
    code += static_cast<int>(count);
    index += count;
    last_code_[length] = count > 0 ? code - 1 : -1;
    code <<= 1;
  }
  values_.assign(values.begin(), values.end());
}
unsigned HuffmanTable::decode(BitReader& bits) const {
  if (const unsigned entry = lookup_[bits.peek(kLookBits)]; entry != 0) {
    bits.skip(entry >> 8);
    return entry & 0xff;
  }
  const unsigned next = bits.peek(16);
  for (unsigned length = kLookBits + 1; length <= 16; ++length) {
    const int code = static_cast<int>(next >> (16 - length));
    if (code <= last_code_[length]) {
      bits.skip(length);
      const auto index = first_index_[length] + static_cast<unsigned>(code - first_code_[length]);
      require(code >= first_code_[length] && index < values_.size());
      return static_cast<unsigned char>(values_[index]);
    }
  }
  throw Refused{};
}
Scans::Scans(unsigned kept) : kept_(kept) {
  require(kept == 1 || kept == 2 || kept == 4);
  for (unsigned k = 0; k < 64; ++k) {
    const unsigned row = kNaturalOfZigzag[k] / 8, column = kNaturalOfZigzag[k] % 8;
    slot_of_zigzag_[k] = row < kept && column < kept ? static_cast<int>(row * kept + column) : -1;
  }
}

void Scans::read_frame(std::string_view frame) {
  require(byte_at(frame, 0) == 8);  // bits per sample
  height_ = u16_at(frame, 1);
  width_ = u16_at(frame, 3);
  const unsigned count = byte_at(frame, 5);
  require(width_ > 0 && height_ > 0 && (count == 1 || count == 3));
  require(frame.size() >= 6 + 3 * count);
  components_.resize(count);
  for (unsigned i = 0; i < count; ++i) {
    ScanComponent& component = components_[i];
    component.id = byte_at(frame, 6 + 3 * i);
    component.h = byte_at(frame, 7 + 3 * i) >> 4;
    component.v = byte_at(frame, 7 + 3 * i) & 15;
    component.quant_table = byte_at(frame, 8 + 3 * i);
    require(component.h >= 1 && component.h <= 4 && component.v >= 1 && component.v <= 4);
    require(component.quant_table < 4);
    max_h_ = std::max(max_h_, component.h);
    max_v_ = std::max(max_v_, component.v);
  }
  if (count == 1) max_h_ = max_v_ = components_[0].h = components_[0].v = 1;
  for (const ScanComponent& component : components_) {  // libjpeg takes whole ratios only
    require(max_h_ % component.h == 0 && max_v_ % component.v == 0);
  }
  mcus_across_ = (width_ + 8 * max_h_ - 1) / (8 * max_h_);
  mcus_down_ = (height_ + 8 * max_v_ - 1) / (8 * max_v_);
  for (ScanComponent& component : components_) {
    component.blocks_across = mcus_across_ * component.h;
    component.blocks_down = mcus_down_ * component.v;
    const std::size_t blocks =
        static_cast<std::size_t>(component.blocks_across) * component.blocks_down;
    component.coefficients.assign(blocks * kept_ * kept_, 0);
    if (kept_ > 1) component.nonzero.assign(blocks, 0);
  }
}

void Scans::read_huffman_tables(std::string_view segment) {
  std::size_t at = 0;
  while (at < segment.size()) {
    const unsigned kind = byte_at(segment, at);
    require(segment.size() >= at + 17);
    const std::string_view counts = segment.substr(at + 1, 16);
    std::size_t total = 0;
    for (char count : counts) total += static_cast<unsigned char>(count);
    require(total <= 256 && segment.size() >= at + 17 + total);
    const unsigned table_class = kind >> 4;
    const unsigned slot = kind & 15;
    require(table_class <= 1 && slot < 4);
    (table_class == 0 ? dc_tables_ : ac_tables_)[slot].define(counts,
                                                              segment.substr(at + 17, total));
    at += 17 + total;
  }
}

void Scans::read_quant_tables(std::string_view segment) {
  std::size_t at = 0;
  while (at < segment.size()) {
    const unsigned precision = byte_at(segment, at) >> 4;
    const unsigned slot = byte_at(segment, at) & 15;
    require(precision <= 1 && slot < 4);
    const std::size_t size = precision == 0 ? 64 : 128;
    require(segment.size() >= at + 1 + size);
    for (unsigned k = 0; k < 64; ++k) {  // sent in zigzag order
      quant_tables_[slot][kNaturalOfZigzag[k]] = static_cast<std::uint16_t>(
          precision == 0 ? byte_at(segment, at + 1 + k) : u16_at(segment, at + 1 + 2 * k));
    }
    quant_defined_[slot] = true;
    at += 1 + size;
  }
}

void Scans::read_scan(std::string_view header, std::string_view data) {
  const unsigned count = byte_at(header, 0);
  require(count >= 1 && count <= components_.size() && header.size() >= 4 + 2 * count);
  const Band band{.start = byte_at(header, 1 + 2 * count),
                  .end = byte_at(header, 2 + 2 * count),
                  .high = byte_at(header, 3 + 2 * count) >> 4,
                  .low = byte_at(header, 3 + 2 * count) & 15};
  // At 1/8 the AC scans are stepped over unread, even when damaged. Above it every AC scan
  // is read: one of high frequencies only may look unneeded, but a later refinement of a
  // band reaching down to kept coefficients is read against what it made nonzero.
  if (band.start > 0 && kept_ == 1) return;
  require(band.low < 13);
  std::vector<ScanComponent*> in_scan;
  std::vector<const HuffmanTable*> tables;
  for (unsigned i = 0; i < count; ++i) {
    const unsigned id = byte_at(header, 1 + 2 * i);
    auto found = std::find_if(components_.begin(), components_.end(),
                              [id](const ScanComponent& c) { return c.id == id; });
    require(found != components_.end());
    const unsigned slots = byte_at(header, 2 + 2 * i);
    require(slots >> 4 < 4 && (slots & 15) < 4);
    in_scan.push_back(&*found);
    tables.push_back(band.start == 0 ? &dc_tables_[slots >> 4] : &ac_tables_[slots & 15]);
  }
  if (band.start == 0) {
    read_dc_scan(in_scan, tables, band, data);
    return;
  }
  // An AC scan: one component, whose DC scan came first (G.1.1.1.1).
  require(count == 1 && band.start <= band.end && band.end <= 63 && in_scan[0]->dc_started);
  require(band.high == 0 || band.low + 1 == band.high);
  require(tables[0]->defined());
  read_ac_scan(*in_scan[0], *tables[0], band, data);
}

namespace {

// Runs `decode(row, column)` over the blocks of a one-component scan (the component's own
// blocks up to the image's edge, row by row), or of an interleaved one (MCU by MCU), with
// the restart markers between units; `restarted` is told of each.
template <typename Decode, typename Restarted>
void for_each_unit(BitReader& bits, unsigned restart_interval, unsigned units, Decode decode_unit,
                   Restarted restarted) {
  unsigned since_restart = 0;
  for (unsigned unit = 0; unit < units; ++unit) {
    decode_unit(unit);
    if (unit + 1 == units || restart_interval == 0 || ++since_restart < restart_interval) continue;
    since_restart = 0;
    bits.restart();
    restarted();
  }
}

}  // namespace

void Scans::read_dc_scan(const std::vector<ScanComponent*>& in_scan,
                         const std::vector<const HuffmanTable*>& tables, const Band& band,
                         std::string_view data) {
  require(band.end == 0);
  for (std::size_t c = 0; c < in_scan.size(); ++c) {
    ScanComponent& component = *in_scan[c];
    if (band.high == 0) {
      require(!component.dc_started && tables[c]->defined() &&
              quant_defined_[component.quant_table]);
      component.dc_started = true;
      const auto& table = quant_tables_[component.quant_table];
      component.quant.resize(std::size_t{kept_} * kept_);
      for (unsigned row = 0; row < kept_; ++row) {
        for (unsigned column = 0; column < kept_; ++column) {
          component.quant[row * kept_ + column] = table[row * 8 + column];
        }
      }
      require(component.quant[0] > 0);
    } else {  // each refinement adds the bit below the last one sent
      require(component.dc_started && band.high == component.dc_low && band.low + 1 == band.high);
    }
    component.dc_low = band.low;
  }
  BitReader bits(data);
  std::array<int, 3> predictions{};
  const std::size_t block_size = std::size_t{kept_} * kept_;
  auto decode_block = [&](std::size_t c, unsigned row, unsigned column) {
    ScanComponent& component = *in_scan[c];
    std::int16_t& dc =
        component.coefficients[(std::size_t{row} * component.blocks_across + column) * block_size];
    if (band.high != 0) {  // refinement: one more bit of the coefficient
      if (bits.bits(1)) dc = static_cast<std::int16_t>(dc | (1 << band.low));
      return;
    }
    const unsigned size = tables[c]->decode(bits);
    require(size <= 11);
    predictions[c] += extended(bits.bits(size), size);
    const int value = predictions[c] * (1 << band.low);
    require(predictions[c] == value >> band.low);
    dc = checked_coefficient(value);
  };
  auto restarted = [&] { predictions = {}; };
  if (in_scan.size() == 1) {  // non-interleaved: the component's own blocks, row by row
    const ScanComponent& component = *in_scan[0];
    const unsigned across = blocks_to_edge(width_, component.h, max_h_);
    const unsigned down = blocks_to_edge(height_, component.v, max_v_);
    for_each_unit(
        bits, restart_interval_, across * down,
        [&](unsigned unit) { decode_block(0, unit / across, unit % across); }, restarted);
    return;
  }
  for_each_unit(
      bits, restart_interval_, mcus_across_ * mcus_down_,
      [&](unsigned unit) {
        const unsigned mcu_row = unit / mcus_across_, mcu_column = unit % mcus_across_;
        for (std::size_t c = 0; c < in_scan.size(); ++c) {
          for (unsigned v = 0; v < in_scan[c]->v; ++v) {
            for (unsigned h = 0; h < in_scan[c]->h; ++h) {
              decode_block(c, mcu_row * in_scan[c]->v + v, mcu_column * in_scan[c]->h + h);
            }
          }
        }
      },
      restarted);
}

// A first AC scan (G.1.2.2) sends each coefficient of the band with its low bits cut off,
// and runs of blocks with nothing left to send (EOBRUN); a refinement (G.1.2.3) sends one
// more bit of every coefficient already nonzero and the coefficients that become nonzero
// with it, skipping runs of those still zero — which is why the mask of coefficients sent
// nonzero is kept for every position, kept or not.
void Scans::read_ac_scan(ScanComponent& component, const HuffmanTable& table, const Band& band,
                         std::string_view data) {
  BitReader bits(data);
  unsigned end_of_bands = 0;  // EOBRUN: blocks left with nothing more in this scan
  const std::size_t block_size = std::size_t{kept_} * kept_;
  const int one = 1 << band.low;
  auto block_at = [&](unsigned row, unsigned column) {
    return std::size_t{row} * component.blocks_across + column;
  };
  auto take_end_of_bands = [&](unsigned run_bits) {
    end_of_bands = 1u << run_bits;
    if (run_bits > 0) end_of_bands += bits.bits(run_bits);
  };
  auto first = [&](std::size_t block) {
    if (end_of_bands > 0) {
      --end_of_bands;
      return;
    }
    std::int16_t* kept = &component.coefficients[block * block_size];
    std::uint64_t& nonzero = component.nonzero[block];
    for (unsigned k = band.start; k <= band.end; ++k) {
      const unsigned symbol = table.decode(bits);
      const unsigned run = symbol >> 4, size = symbol & 15;
      if (size == 0) {
        if (run == 15) {  // sixteen zeros
          k += 15;
          continue;
        }
        take_end_of_bands(run);
        --end_of_bands;  // this block's
        return;
      }
      k += run;
      require(k <= band.end);
      const int value = extended(bits.bits(size), size) * one;
      nonzero |= std::uint64_t{1} << k;
      if (slot_of_zigzag_[k] >= 0) kept[slot_of_zigzag_[k]] = checked_coefficient(value);
    }
  };
  // One more bit of coefficient k, already nonzero.
  // Positions band.start to band.end.
  const std::uint64_t band_mask =
      (band.end == 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (band.end + 1)) - 1) >>
      band.start << band.start;
  auto refine = [&](std::int16_t* kept, unsigned k) {
    if (!bits.bit() || slot_of_zigzag_[k] < 0) return;
    std::int16_t& coefficient = kept[slot_of_zigzag_[k]];
    if ((coefficient & one) == 0) {
      coefficient = checked_coefficient(coefficient + (coefficient >= 0 ? one : -one));
    }
  };
  // Refines the coefficients already nonzero among `positions`.
  auto refine_all = [&](std::int16_t* kept, std::uint64_t positions) {
    for (; positions != 0; positions &= positions - 1) {
      refine(kept, static_cast<unsigned>(std::countr_zero(positions)));
    }
  };
  auto refinement = [&](std::size_t block) {
    std::int16_t* kept = &component.coefficients[block * block_size];
    std::uint64_t& nonzero = component.nonzero[block];
    unsigned k = band.start;
    if (end_of_bands == 0) {
      for (; k <= band.end; ++k) {
        const unsigned symbol = table.decode(bits);
        const unsigned zeros = symbol >> 4, size = symbol & 15;
        int value = 0;
        if (size != 0) {
          require(size == 1);
          value = bits.bit() ? one : -one;
        } else if (zeros != 15) {
          take_end_of_bands(zeros);
          break;
        }
        // Past `zeros` coefficients still zero to the one that becomes `value` (the band's
        // end if there are not that many), refining the nonzero ones on the way.
        std::uint64_t still_zero = ~nonzero & band_mask & from(k);
        for (unsigned skipped = 0; skipped < zeros && still_zero != 0; ++skipped) {
          still_zero &= still_zero - 1;
        }
        const unsigned target =
            still_zero != 0 ? static_cast<unsigned>(std::countr_zero(still_zero)) : band.end + 1;
        refine_all(kept, nonzero & band_mask & from(k) & ~from(target));
        k = target;
        if (value != 0) {
          require(k <= band.end);
          nonzero |= std::uint64_t{1} << k;
          if (slot_of_zigzag_[k] >= 0) kept[slot_of_zigzag_[k]] = static_cast<std::int16_t>(value);
        }
      }
    }
    if (end_of_bands > 0) {  // the rest of the band: only refinements, of those nonzero
      refine_all(kept, nonzero & band_mask & from(k));
      --end_of_bands;
    }
  };
  const unsigned across = blocks_to_edge(width_, component.h, max_h_);
  const unsigned down = blocks_to_edge(height_, component.v, max_v_);
  for_each_unit(
      bits, restart_interval_, across * down,
      [&](unsigned unit) {
        const std::size_t block = block_at(unit / across, unit % across);
        band.high == 0 ? first(block) : refinement(block);
      },
      [&] { end_of_bands = 0; });
}

void Scans::read_restart_interval(std::string_view segment) {
  require(segment.size() >= 2);
  restart_interval_ = u16_at(segment, 0);
}

void Scans::finish() {
  require(!components_.empty());
  for (ScanComponent& component : components_) {
    require(component.dc_started);
    component.nonzero = std::vector<std::uint64_t>();  // (= {} would keep the capacity)
  }
}

void Scans::release(std::size_t component) {
  components_.at(component).coefficients = std::vector<std::int16_t>();
}

Scans read_progressive_scans(std::string_view jpeg, unsigned kept) {
  Scans scans(kept);
  int count = 0;  // scans
  walk_segments(jpeg, [&scans, &count](const Segment& segment) {
    if (is_frame_marker(segment.marker)) {
      require(segment.marker == kProgressiveHuffman && scans.components().empty());
      scans.read_frame(segment.payload);
    } else if (segment.marker == kDht) {
      scans.read_huffman_tables(segment.payload);
    } else if (segment.marker == kDqt) {
      scans.read_quant_tables(segment.payload);
    } else if (segment.marker == kDri) {
      scans.read_restart_interval(segment.payload);
    } else if (segment.marker == kSos) {
      require(!scans.components().empty() && ++count <= kMaxScans);
      scans.read_scan(segment.payload, segment.scan_data);
    }
  });
  scans.finish();
  return scans;
}

}  // namespace imgcache::jpeg
