// A progressive JPEG sends the DC coefficient of every 8x8 block in scans of its own, ahead
// of (and apart from) the AC scans that carry the detail. Decoding at 1/8 scale makes each
// luma pixel from its block's DC coefficient alone, so for that scale the AC scans, usually
// most of the file and most of the entropy decoding, can be left out. The picture differs
// slightly: libjpeg scales subsampled chroma with a 2x2 inverse DCT that uses three AC
// coefficients, and smooths blocks whose AC coefficients never arrived. A file whose AC
// scans are damaged gives such a thumbnail, where a larger size is refused as corrupt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace imgcache {

// The JPEG's markers and tables with only its DC scans (start of spectral selection 0),
// ending in EOI; nullopt unless `jpeg` is a well-formed Huffman-coded progressive JPEG
// (SOF2) with at least one AC scan to leave out.
std::optional<std::string> progressive_jpeg_dc_scans(std::string_view jpeg);

}  // namespace imgcache
