#include "core/imaging/png_write.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/error.h"

namespace imgcache {
namespace {

using Bytes = std::vector<unsigned char>;

// PNG's chunks hold at most 2^31 - 1 bytes; image data longer is split.
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;
// Compressed bytes gathered at a time.
constexpr std::size_t kOutputStep = 64 * 1024;

enum class Filter : unsigned char { none, sub, up, average, paeth };

void put_u32(std::string& out, std::uint32_t value) {
  const std::array<char, 4> bytes = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                                     static_cast<char>(value >> 8), static_cast<char>(value)};
  out.append(bytes.data(), bytes.size());
}

void put_chunk(std::string& out, const char (&type)[5], std::string_view data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out.append(data);
  put_u32(out,
          static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(out.data() + start),
                                           static_cast<uInt>(out.size() - start))));
}

// One zlib stream, fed a piece at a time.
class Deflater {
 public:
  Deflater(int level, int strategy) {
    if (deflateInit2(&stream_, std::clamp(level, 1, 9), Z_DEFLATED, 15, 8, strategy) != Z_OK) {
      throw Error(Errc::internal, "zlib: cannot start a compressor");
    }
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  ~Deflater() { deflateEnd(&stream_); }

  void add(std::span<const unsigned char> data) { run(data, Z_NO_FLUSH); }
  // Ends the block in hand, so that size() counts every byte added so far.
  void flush() { run({}, Z_SYNC_FLUSH); }
  std::size_t size() const { return out_.size(); }
  std::string finish() {
    run({}, Z_FINISH);
    return std::move(out_);
  }

 private:
  void run(std::span<const unsigned char> data, int flush) {
    stream_.next_in = const_cast<unsigned char*>(data.data());
    stream_.avail_in = static_cast<uInt>(data.size());
    for (;;) {
      stream_.next_out = buffer_.data();
      stream_.avail_out = static_cast<uInt>(buffer_.size());
      const int status = deflate(&stream_, flush);
      if (status == Z_STREAM_ERROR) throw Error(Errc::internal, "zlib: cannot compress");
      out_.append(reinterpret_cast<const char*>(buffer_.data()),
                  buffer_.size() - stream_.avail_out);
      if (flush == Z_FINISH ? status == Z_STREAM_END : stream_.avail_out != 0) return;
    }
  }

  z_stream stream_{};
  Bytes buffer_ = Bytes(kOutputStep);
  std::string out_;
};

std::string zlib_compressed(std::string_view data, int level) {
  Deflater deflater(level, Z_DEFAULT_STRATEGY);
  deflater.add({reinterpret_cast<const unsigned char*>(data.data()), data.size()});
  return deflater.finish();
}

int paeth_predictor(int left, int up, int up_left) {
  const int estimate = left + up - up_left;
  const int to_left = std::abs(estimate - left), to_up = std::abs(estimate - up),
            to_up_left = std::abs(estimate - up_left);
  if (to_left <= to_up && to_left <= to_up_left) return left;
  return to_up <= to_up_left ? up : up_left;
}

int predicted(Filter filter, int left, int up, int up_left) {
  switch (filter) {
    case Filter::none:
      return 0;
    case Filter::sub:
      return left;
    case Filter::up:
      return up;
    case Filter::average:
      return (left + up) / 2;
    case Filter::paeth:
      return paeth_predictor(left, up, up_left);
  }
  return 0;
}

// Writes `row` filtered by `filter` after its filter byte in `out`, and returns the sum
// of its bytes read as signed magnitudes: libpng's measure of how well a filter did.
template <Filter kFilter>
std::uint64_t filter_row(std::span<const unsigned char> row, const unsigned char* prior,
                         std::size_t pixel, unsigned char* out) {
  out[0] = static_cast<unsigned char>(kFilter);
  std::uint64_t magnitude = 0;
  auto put = [&](std::size_t i, int left, int up_left) {
    const auto value =
        static_cast<std::uint8_t>(row[i] - predicted(kFilter, left, prior[i], up_left));
    out[i + 1] = value;
    magnitude += value < 128 ? value : 256 - value;
  };
  const std::size_t first = std::min(pixel, row.size());
  for (std::size_t i = 0; i < first; ++i) put(i, 0, 0);  // no pixel on the left
  for (std::size_t i = first; i < row.size(); ++i) put(i, row[i - pixel], prior[i - pixel]);
  return magnitude;
}

// Row `row` filtered the best of the five ways, filter byte first.
std::span<const unsigned char> best_filtered(std::span<const unsigned char> row,
                                             const unsigned char* prior, std::size_t pixel,
                                             std::array<Bytes, 5>& trials) {
  const std::array<std::uint64_t, 5> magnitude = {
      filter_row<Filter::none>(row, prior, pixel, trials[0].data()),
      filter_row<Filter::sub>(row, prior, pixel, trials[1].data()),
      filter_row<Filter::up>(row, prior, pixel, trials[2].data()),
      filter_row<Filter::average>(row, prior, pixel, trials[3].data()),
      filter_row<Filter::paeth>(row, prior, pixel, trials[4].data()),
  };
  const auto best = std::min_element(magnitude.begin(), magnitude.end()) - magnitude.begin();
  return trials[static_cast<std::size_t>(best)];
}

// Rows filtered at their best compress best with short matches: under zlib's filtered
// strategy (libpng's choice) or under run lengths alone, which win on flat graphics and
// on noise. Both compress the first quarter of the rows; the smaller goes on alone.
class FilteredRowsDeflater {
 public:
  FilteredRowsDeflater(int level, unsigned height)
      : trial_rows_(std::max(height / 4, 16u)),
        filtered_(std::make_unique<Deflater>(level, Z_FILTERED)),
        runs_(std::make_unique<Deflater>(level, Z_RLE)) {}

  void add(std::span<const unsigned char> line) {
    filtered_->add(line);
    if (!runs_) return;
    runs_->add(line);
    if (++rows_ < trial_rows_) return;
    filtered_->flush();
    runs_->flush();
    if (runs_->size() < filtered_->size()) std::swap(filtered_, runs_);
    runs_.reset();
  }
  std::string finish() {
    std::string out = filtered_->finish();
    if (!runs_) return out;
    std::string other = runs_->finish();
    return other.size() < out.size() ? other : out;
  }

 private:
  const unsigned trial_rows_;
  unsigned rows_ = 0;
  std::unique_ptr<Deflater> filtered_;  // the stream that goes on
  std::unique_ptr<Deflater> runs_;      // the other, while the trial lasts
};

// The image data: palette rows unfiltered under zlib's default strategy, other rows
// filtered at their best.
std::string image_data(const PngImage& image, int level) {
  const std::size_t pixel = png_samples(image.colour) * image.depth / 8;
  const std::size_t stride = pixel * image.width;
  if (image.colour == PngColour::palette) {
    Deflater indices(level, Z_DEFAULT_STRATEGY);
    Bytes line(stride + 1, 0);  // filter byte 0: none
    for (unsigned y = 0; y < image.height; ++y) {
      image.read_row(y, std::span(line).subspan(1));
      indices.add(line);
    }
    return indices.finish();
  }
  FilteredRowsDeflater deflater(level, image.height);
  std::array<Bytes, 2> rows = {Bytes(stride, 0), Bytes(stride, 0)};  // this one, the one above
  std::array<Bytes, 5> trials;
  for (Bytes& trial : trials) trial.resize(stride + 1);
  for (unsigned y = 0; y < image.height; ++y) {
    Bytes& row = rows[y % 2];
    image.read_row(y, row);
    deflater.add(best_filtered(row, rows[(y + 1) % 2].data(), pixel, trials));
  }
  return deflater.finish();
}

std::string header_of(const PngImage& image) {
  std::string data;
  put_u32(data, image.width);
  put_u32(data, image.height);
  data += static_cast<char>(image.depth);
  data += static_cast<char>(image.colour);
  data.append(3, '\0');  // deflate, adaptive filters, not interlaced
  return data;
}

void put_palette(std::string& out, std::span<const PngPaletteEntry> palette) {
  std::string colours, alphas;
  for (const PngPaletteEntry& entry : palette) {
    colours += static_cast<char>(entry.red);
    colours += static_cast<char>(entry.green);
    colours += static_cast<char>(entry.blue);
    alphas += static_cast<char>(entry.alpha);
  }
  put_chunk(out, "PLTE", colours);
  // tRNS lists alphas up to the last below 255.
  const std::size_t translucent = alphas.find_last_not_of('\xff');
  if (translucent != std::string::npos) {
    put_chunk(out, "tRNS", std::string_view(alphas).substr(0, translucent + 1));
  }
}

}  // namespace

unsigned png_samples(PngColour colour) {
  switch (colour) {
    case PngColour::grey:
    case PngColour::palette:
      return 1;
    case PngColour::grey_alpha:
      return 2;
    case PngColour::rgb:
      return 3;
    case PngColour::rgba:
      return 4;
  }
  return 4;
}

std::string write_png(const PngImage& image, int level) {
  std::string out("\x89PNG\r\n\x1a\n", 8);
  put_chunk(out, "IHDR", header_of(image));
  if (!image.icc_profile.empty()) {
    put_chunk(out, "iCCP", std::string("icc\0\0", 5) + zlib_compressed(image.icc_profile, level));
  }
  if (image.colour == PngColour::palette) put_palette(out, image.palette);
  const std::string data = image_data(image, level);
  for (std::size_t at = 0; at < data.size(); at += kMaxChunk) {
    put_chunk(out, "IDAT", std::string_view(data).substr(at, kMaxChunk));
  }
  put_chunk(out, "IEND", {});
  return out;
}

}  // namespace imgcache
