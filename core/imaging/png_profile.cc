#include "core/imaging/png_profile.h"

#include <zlib.h>

#include <cstdint>

#include "core/imaging/icc_profile.h"

namespace imgcache {
namespace {

constexpr std::size_t kSignatureSize = 8;
constexpr std::size_t kChunkOverhead = 12;  // length, type, CRC

std::uint32_t be32(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

struct Chunk {
  std::size_t offset = 0;  // of its length field
  std::string_view type;
  std::string_view data;
  std::size_t end() const { return offset + kChunkOverhead + data.size(); }
};

// The chunk at `offset`, or nullopt when the file ends inside it.
std::optional<Chunk> chunk_at(std::string_view png, std::size_t offset) {
  if (png.size() - offset < kChunkOverhead) return std::nullopt;
  const std::uint32_t length = be32(png, offset);
  if (length > png.size() - offset - kChunkOverhead) return std::nullopt;
  return Chunk{offset, png.substr(offset + 4, 4), png.substr(offset + 8, length)};
}

// The iCCP chunk, which the format puts before the first IDAT.
std::optional<Chunk> find_iccp(std::string_view png) {
  std::size_t offset = kSignatureSize;
  while (offset < png.size()) {
    const std::optional<Chunk> chunk = chunk_at(png, offset);
    if (!chunk || chunk->type == "IDAT" || chunk->type == "IEND") return std::nullopt;
    if (chunk->type == "iCCP") return chunk;
    offset = chunk->end();
  }
  return std::nullopt;
}

// `compressed` inflated, or empty when it is not a zlib stream or inflates to more than
// `limit` bytes.
std::string inflated(std::string_view compressed, std::size_t limit) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return {};
  std::string out(limit + 1, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return result == Z_STREAM_END && out.size() <= limit ? out : std::string();
}

// iCCP data: a name of 1 to 79 bytes, a NUL, compression method 0, then the zlib stream.
std::string iccp_profile(std::string_view data) {
  const std::size_t nul = data.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul > 79 || nul + 2 > data.size()) return {};
  if (data[nul + 1] != 0) return {};
  return inflated(data.substr(nul + 2), kMaxIccProfileSize);
}

}  // namespace

std::optional<PngWithoutProfile> take_png_profile(std::string_view png) {
  if (png.size() < kSignatureSize) return std::nullopt;
  const std::optional<Chunk> iccp = find_iccp(png);
  if (!iccp) return std::nullopt;
  std::string rest(png.substr(0, iccp->offset));
  rest += png.substr(iccp->end());
  return PngWithoutProfile{std::move(rest), iccp_profile(iccp->data)};
}

}  // namespace imgcache
