#include "core/jpeg_dc_picture.h"

#include <algorithm>
#include <array>
#include <string>

namespace imgcache {
namespace {

constexpr unsigned kTem = 0x01;
constexpr unsigned kSoi = 0xd8;
constexpr unsigned kEoi = 0xd9;
constexpr unsigned kSos = 0xda;
constexpr unsigned kDqt = 0xdb;
constexpr unsigned kDht = 0xc4;
constexpr unsigned kDri = 0xdd;
constexpr unsigned kProgressiveHuffman = 0xc2;

// Anything this decoder does not take or finds damaged.
struct Refused {};

void require(bool condition) {
  if (!condition) throw Refused{};
}

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

// A DC Huffman table (JPEG, Annex C and F.2.2.3), with a lookup of the codes of up to
// kLookBits bits.
class HuffmanTable {
 public:
  // `counts`: how many codes of each length 1..16; `values`: the symbols in code order.
  void define(std::string_view counts, std::string_view values) {
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

  bool defined() const { return !values_.empty(); }

  unsigned decode(BitReader& bits) const {
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

 private:
  static constexpr unsigned kLookBits = 9;
  std::array<std::uint16_t, 1u << kLookBits> lookup_{};  // length << 8 | symbol; 0: longer
  std::array<int, 17> first_code_{};
  std::array<int, 17> last_code_{};
  std::array<unsigned, 17> first_index_{};
  std::string values_;
};

struct Component {
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

class DcDecoder {
 public:
  DcDecoder(std::string_view jpeg, bool rgb) : jpeg_(jpeg), rgb_(rgb) {}

  DcPicture run() {
    require(u16_at(jpeg_, 0) == (0xff00 | kSoi));
    std::size_t at = 2;
    while (true) {
      require(byte_at(jpeg_, at) == 0xff);
      const unsigned marker = byte_at(jpeg_, at + 1);
      if (marker == 0xff) {  // fill byte
        ++at;
        continue;
      }
      if (marker == kEoi) break;
      require(marker != kSoi);                            // a second start of image
      if (is_restart_marker(marker) || marker == kTem) {  // markers without a length
        at += 2;
        continue;
      }
      const std::size_t length = u16_at(jpeg_, at + 2);
      require(length >= 2 && at + 2 + length <= jpeg_.size());
      const std::string_view payload = jpeg_.substr(at + 4, length - 2);
      at += 2 + length;
      if (is_frame_marker(marker)) {
        require(marker == kProgressiveHuffman && components_.empty());
        read_frame(payload);
      } else if (marker == kDht) {
        read_huffman_tables(payload);
      } else if (marker == kDqt) {
        read_quant_tables(payload);
      } else if (marker == kDri) {
        require(payload.size() >= 2);
        restart_interval_ = u16_at(payload, 0);
      } else if (marker == kSos) {
        require(!components_.empty());
        const std::size_t end = end_of_entropy_data(jpeg_, at);
        require(end < jpeg_.size());  // truncated
        read_scan(payload, jpeg_.substr(at, end - at));
        at = end;
      }
    }
    require(!components_.empty());
    for (const Component& component : components_) require(component.dc_started);
    return picture();
  }

 private:
  void read_frame(std::string_view frame) {
    require(byte_at(frame, 0) == 8);  // bits per sample
    height_ = u16_at(frame, 1);
    width_ = u16_at(frame, 3);
    const unsigned count = byte_at(frame, 5);
    require(width_ > 0 && height_ > 0 && (count == 1 || count == 3));
    require(frame.size() >= 6 + 3 * count);
    components_.resize(count);
    for (unsigned i = 0; i < count; ++i) {
      Component& component = components_[i];
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
    for (const Component& component : components_) {  // libjpeg takes whole ratios only
      require(max_h_ % component.h == 0 && max_v_ % component.v == 0);
    }
    mcus_across_ = (width_ + 8 * max_h_ - 1) / (8 * max_h_);
    mcus_down_ = (height_ + 8 * max_v_ - 1) / (8 * max_v_);
    for (Component& component : components_) {
      component.blocks_across = mcus_across_ * component.h;
      component.blocks_down = mcus_down_ * component.v;
      component.dc.assign(static_cast<std::size_t>(component.blocks_across) * component.blocks_down,
                          0);
    }
  }

  void read_huffman_tables(std::string_view segment) {
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

  void read_quant_tables(std::string_view segment) {
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

  void read_scan(std::string_view header, std::string_view data) {
    const unsigned count = byte_at(header, 0);
    require(count >= 1 && count <= components_.size() && header.size() >= 4 + 2 * count);
    const unsigned spectral_start = byte_at(header, 1 + 2 * count);
    const unsigned spectral_end = byte_at(header, 2 + 2 * count);
    const unsigned high = byte_at(header, 3 + 2 * count) >> 4;  // Ah
    const unsigned low = byte_at(header, 3 + 2 * count) & 15;   // Al
    if (spectral_start != 0) return;  // an AC scan: the detail this picture does without
    require(spectral_end == 0 && low < 13);
    std::vector<Component*> in_scan;
    std::vector<const HuffmanTable*> tables;
    for (unsigned i = 0; i < count; ++i) {
      const unsigned id = byte_at(header, 1 + 2 * i);
      auto found = std::find_if(components_.begin(), components_.end(),
                                [id](const Component& c) { return c.id == id; });
      require(found != components_.end());
      Component& component = *found;
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
      Component& component = *in_scan[0];
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

  // Blocks a component has up to the image's edge (without the last MCU's padding).
  static unsigned blocks_to_edge(unsigned pixels, unsigned factor, unsigned max_factor) {
    const unsigned samples = (pixels * factor + max_factor - 1) / max_factor;
    return (samples + 7) / 8;
  }

  // Each block's level at 1/8 scale: its DC coefficient through libjpeg's 1x1 inverse DCT,
  // limited to 0..255.
  static std::vector<float> block_levels(const Component& component) {
    std::vector<float> levels(component.dc.size());
    for (std::size_t i = 0; i < levels.size(); ++i) {
      const double value = component.dc[i] * static_cast<double>(component.dc_quant);
      levels[i] = static_cast<float>(std::clamp(value / 8.0 + 128.0, 0.0, 255.0));
    }
    return levels;
  }

  // Where each pixel along one axis of the picture falls between a component's blocks (with
  // `factor` of `max_factor` samples): block centres are half a block in.
  struct Between {
    unsigned first;
    unsigned second;
    float weight;  // of the second
  };
  static std::vector<Between> between(unsigned pixels, unsigned factor, unsigned max_factor,
                                      unsigned blocks) {
    std::vector<Between> out(pixels);
    for (unsigned at = 0; at < pixels; ++at) {
      const double position = std::max(0.0, (at + 0.5) * factor / max_factor - 0.5);
      const unsigned first = std::min(static_cast<unsigned>(position), blocks - 1);
      out[at] = {first, std::min(first + 1, blocks - 1), static_cast<float>(position - first)};
    }
    return out;
  }

  // One component over the whole picture, a float per pixel; subsampled components are
  // interpolated between block centres, as libjpeg's fancy upsampling does.
  std::vector<float> plane(const Component& component, unsigned width, unsigned height) const {
    const std::vector<float> levels = block_levels(component);
    const std::size_t stride = component.blocks_across;
    std::vector<float> out(static_cast<std::size_t>(width) * height);
    if (component.h == max_h_ && component.v == max_v_) {
      for (unsigned y = 0; y < height; ++y) {
        std::copy_n(&levels[y * stride], width, &out[static_cast<std::size_t>(y) * width]);
      }
      return out;
    }
    const std::vector<Between> across =
        between(width, component.h, max_h_, component.blocks_across);
    const std::vector<Between> down = between(height, component.v, max_v_, component.blocks_down);
    for (unsigned y = 0; y < height; ++y) {
      const float* upper = &levels[down[y].first * stride];
      const float* lower = &levels[down[y].second * stride];
      const float below = down[y].weight;
      for (unsigned x = 0; x < width; ++x) {
        const Between& a = across[x];
        const float top = upper[a.first] + (upper[a.second] - upper[a.first]) * a.weight;
        const float bottom = lower[a.first] + (lower[a.second] - lower[a.first]) * a.weight;
        out[static_cast<std::size_t>(y) * width + x] = top + (bottom - top) * below;
      }
    }
    return out;
  }

  static std::uint8_t to_byte(float value) {
    return static_cast<std::uint8_t>(std::clamp(value + 0.5f, 0.0f, 255.0f));
  }

  DcPicture picture() const {
    DcPicture out;
    out.width = (width_ + 7) / 8;
    out.height = (height_ + 7) / 8;
    out.grey = components_.size() == 1;
    const std::size_t pixels = static_cast<std::size_t>(out.width) * out.height;
    const std::vector<float> first = plane(components_[0], out.width, out.height);
    if (out.grey) {
      out.samples.resize(pixels);
      std::transform(first.begin(), first.end(), out.samples.begin(), to_byte);
      return out;
    }
    const std::vector<float> second = plane(components_[1], out.width, out.height);
    const std::vector<float> third = plane(components_[2], out.width, out.height);
    out.samples.resize(pixels * 3);
    std::uint8_t* sample = out.samples.data();
    for (std::size_t i = 0; i < pixels; ++i, sample += 3) {
      if (rgb_) {
        sample[0] = to_byte(first[i]);
        sample[1] = to_byte(second[i]);
        sample[2] = to_byte(third[i]);
        continue;
      }
      const float y = first[i], cb = second[i] - 128.0f, cr = third[i] - 128.0f;  // JFIF
      sample[0] = to_byte(y + 1.402f * cr);
      sample[1] = to_byte(y - 0.344136f * cb - 0.714136f * cr);
      sample[2] = to_byte(y + 1.772f * cb);
    }
    return out;
  }

  std::string_view jpeg_;
  bool rgb_;  // three components are R, G, B rather than Y, Cb, Cr
  unsigned width_ = 0;
  unsigned height_ = 0;
  unsigned max_h_ = 1;
  unsigned max_v_ = 1;
  unsigned mcus_across_ = 0;
  unsigned mcus_down_ = 0;
  unsigned restart_interval_ = 0;
  std::vector<Component> components_;
  std::array<HuffmanTable, 4> dc_tables_;
  std::array<int, 4> dc_quant_{};
};

}  // namespace

std::optional<DcPicture> progressive_jpeg_dc_picture(std::string_view jpeg, bool rgb) {
  try {
    return DcDecoder(jpeg, rgb).run();
  } catch (const Refused&) {
    return std::nullopt;
  }
}

}  // namespace imgcache
