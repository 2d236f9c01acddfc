// A progressive JPEG sends the DC coefficient of every 8x8 block in scans of its own, ahead
// of (and apart from) the AC scans that carry the detail. At 1/8 scale each pixel is its
// block's DC coefficient, so the picture at that scale can be decoded from the DC scans
// alone: the AC scans, usually most of the file and most of the decoding work, are skipped,
// and no coefficient is kept beyond one per block (libjpeg keeps all 64 of every block of a
// progressive file until its last scan). A file whose AC scans are damaged still gives this
// picture, where a larger size is refused as corrupt.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace imgcache {

struct DcPicture {
  unsigned width = 0;  // the image's width / 8, rounded up, as libjpeg scales it
  unsigned height = 0;
  bool grey = false;
  std::vector<std::uint8_t> samples;  // rows of RGB (or grey) bytes, top to bottom
};

// The 1/8-scale picture of a Huffman-coded progressive JPEG (SOF2) with 8-bit samples and
// one (grey) or three components, decoded from its DC scans. Three components are R, G, B
// when `rgb`, else Y, Cb, Cr: libjpeg's reading of the file's JFIF and Adobe markers,
// which the caller has. nullopt for any other file, and for any damage to what it reads.
std::optional<DcPicture> progressive_jpeg_dc_picture(std::string_view jpeg, bool rgb = false);

}  // namespace imgcache
