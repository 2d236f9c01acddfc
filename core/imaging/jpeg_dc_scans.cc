#include "core/imaging/jpeg_dc_scans.h"

#include <algorithm>

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

}  // namespace

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
void DcScans::read_frame(std::string_view frame) {
  require(byte_at(frame, 0) == 8);  // bits per sample
  height_ = u16_at(frame, 1);
  width_ = u16_at(frame, 3);
  const unsigned count = byte_at(frame, 5);
  require(width_ > 0 && height_ > 0 && (count == 1 || count == 3));
  require(frame.size() >= 6 + 3 * count);
  components_.resize(count);
  for (unsigned i = 0; i < count; ++i) {
    DcComponent& component = components_[i];
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
  for (const DcComponent& component : components_) {  // libjpeg takes whole ratios only
    require(max_h_ % component.h == 0 && max_v_ % component.v == 0);
  }
  mcus_across_ = (width_ + 8 * max_h_ - 1) / (8 * max_h_);
  mcus_down_ = (height_ + 8 * max_v_ - 1) / (8 * max_v_);
  for (DcComponent& component : components_) {
    component.blocks_across = mcus_across_ * component.h;
    component.blocks_down = mcus_down_ * component.v;
    component.dc.assign(static_cast<std::size_t>(component.blocks_across) * component.blocks_down,
                        0);
  }
}

void DcScans::read_huffman_tables(std::string_view segment) {
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
    if (table_class == 0) dc_tables_[slot].define(counts, segment.substr(at + 17, total));
    at += 17 + total;
  }
}

void DcScans::read_quant_tables(std::string_view segment) {
  std::size_t at = 0;
  while (at < segment.size()) {
    const unsigned precision = byte_at(segment, at) >> 4;
    const unsigned slot = byte_at(segment, at) & 15;
    require(precision <= 1 && slot < 4);
    const std::size_t size = precision == 0 ? 64 : 128;
    require(segment.size() >= at + 1 + size);
    dc_quant_[slot] =
        static_cast<int>(precision == 0 ? byte_at(segment, at + 1) : u16_at(segment, at + 1));
    at += 1 + size;
  }
}

void DcScans::read_scan(std::string_view header, std::string_view data) {
  const unsigned count = byte_at(header, 0);
  require(count >= 1 && count <= components_.size() && header.size() >= 4 + 2 * count);
  const unsigned spectral_start = byte_at(header, 1 + 2 * count);
  const unsigned spectral_end = byte_at(header, 2 + 2 * count);
  const unsigned high = byte_at(header, 3 + 2 * count) >> 4;  // Ah
  const unsigned low = byte_at(header, 3 + 2 * count) & 15;   // Al
  if (spectral_start != 0) return;  // an AC scan: the detail this picture does without
  require(spectral_end == 0 && low < 13);
  std::vector<DcComponent*> in_scan;
  std::vector<const HuffmanTable*> tables;
  for (unsigned i = 0; i < count; ++i) {
    const unsigned id = byte_at(header, 1 + 2 * i);
    auto found = std::find_if(components_.begin(), components_.end(),
                              [id](const DcComponent& c) { return c.id == id; });
    require(found != components_.end());
    DcComponent& component = *found;
    if (high == 0) {
      require(!component.dc_started);
      component.dc_started = true;
      component.dc_quant = dc_quant_[component.quant_table];
      require(component.dc_quant > 0);
    } else {  // each refinement adds the bit below the last one sent
      require(component.dc_started && high == component.dc_low && low + 1 == high);
    }
    component.dc_low = low;
    const unsigned table_slot = byte_at(header, 2 + 2 * i) >> 4;
    require(table_slot < 4);
    const HuffmanTable& table = dc_tables_[table_slot];
    require(high != 0 || table.defined());
    in_scan.push_back(&component);
    tables.push_back(&table);
  }
  BitReader bits(data);
  std::array<int, 3> predictions{};
  unsigned units_since_restart = 0;
  auto next_unit = [&] {
    if (restart_interval_ == 0 || ++units_since_restart < restart_interval_) return;
    units_since_restart = 0;
    predictions = {};
    bits.restart();
  };
  auto decode_block = [&](std::size_t c, unsigned row, unsigned column) {
    std::int16_t& dc =
        in_scan[c]->dc[static_cast<std::size_t>(row) * in_scan[c]->blocks_across + column];
    if (high != 0) {  // refinement: one more bit of the coefficient
      if (bits.bits(1)) dc = static_cast<std::int16_t>(dc | (1 << low));
      return;
    }
    const unsigned size = tables[c]->decode(bits);
    require(size <= 11);
    int difference = static_cast<int>(bits.bits(size));
    if (size > 0 && difference < (1 << (size - 1))) difference -= (1 << size) - 1;
    predictions[c] += difference;
    const int value = predictions[c] * (1 << low);
    require(value >= -32768 && value <= 32767 && predictions[c] == value >> low);
    dc = static_cast<std::int16_t>(value);
  };

  if (count == 1) {  // non-interleaved: the component's own blocks, row by row
    DcComponent& component = *in_scan[0];
    const unsigned across = blocks_to_edge(width_, component.h, max_h_);
    const unsigned down = blocks_to_edge(height_, component.v, max_v_);
    for (unsigned row = 0; row < down; ++row) {
      for (unsigned column = 0; column < across; ++column) {
        decode_block(0, row, column);
        if (row + 1 < down || column + 1 < across) next_unit();
      }
    }
    return;
  }
  for (unsigned mcu_row = 0; mcu_row < mcus_down_; ++mcu_row) {
    for (unsigned mcu_column = 0; mcu_column < mcus_across_; ++mcu_column) {
      for (std::size_t c = 0; c < in_scan.size(); ++c) {
        for (unsigned v = 0; v < in_scan[c]->v; ++v) {
          for (unsigned h = 0; h < in_scan[c]->h; ++h) {
            decode_block(c, mcu_row * in_scan[c]->v + v, mcu_column * in_scan[c]->h + h);
          }
        }
      }
      if (mcu_row + 1 < mcus_down_ || mcu_column + 1 < mcus_across_) next_unit();
    }
  }
}

void DcScans::read_restart_interval(std::string_view segment) {
  require(segment.size() >= 2);
  restart_interval_ = u16_at(segment, 0);
}

void DcScans::require_complete() const {
  require(!components_.empty());
  for (const DcComponent& component : components_) require(component.dc_started);
}

}  // namespace imgcache::jpeg
