// A progressive JPEG sends its coefficients in scans of a few frequencies each, and a
// picture at 1/8, 1/4 or 1/2 scale needs only the lowest 1, 4 or 16 of each 8x8 block's 64:
// those are read from the scans that carry them (core/imaging/jpeg_scans.h), scans of
// higher frequencies alone are skipped, and each block becomes 1, 2x2 or 4x4 pixels by an
// inverse DCT of that size. libjpeg keeps all 64 coefficients of every block of a
// progressive file until its last scan: 150 MB for a 24 MP photograph, where this keeps
// 18 to 40 bytes a block. A file whose high-frequency scans are damaged still gives the
// picture at 1/8, where a larger size is refused as corrupt.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace imgcache {

class ScaledUpsampler;

// The picture, made a row at a time from each component's samples at its own resolution:
// the whole picture is never held.
class ScaledPicture {
 public:
  ScaledPicture(unsigned width, unsigned height, bool rgb, std::vector<ScaledUpsampler> components);
  ScaledPicture(ScaledPicture&&) noexcept;
  ScaledPicture& operator=(ScaledPicture&&) noexcept;
  ~ScaledPicture();

  unsigned width() const { return width_; }    // the image's width × scale, rounded up,
  unsigned height() const { return height_; }  // as libjpeg scales it
  bool grey() const;
  // Row `y` as RGB (or grey) bytes, width × 3 (or 1). Not for two threads at once: the
  // rows share one buffer.
  void row(unsigned y, std::span<std::uint8_t> out) const;
  // Every row, top to bottom.
  std::vector<std::uint8_t> samples() const;

 private:
  unsigned width_;
  unsigned height_;
  bool rgb_;
  std::vector<ScaledUpsampler> components_;
  mutable std::vector<float> rows_;  // one row of each component
};

// The picture at 1/`denominator` (8, 4 or 2) of a Huffman-coded progressive JPEG (SOF2)
// with 8-bit samples and one (grey) or three components. Three components are R, G, B when
// `rgb`, else Y, Cb, Cr: libjpeg's reading of the file's JFIF and Adobe markers, which the
// caller has. nullopt for any other file, and for any damage to what it reads.
std::optional<ScaledPicture> progressive_jpeg_picture(std::string_view jpeg, unsigned denominator,
                                                      bool rgb = false);

}  // namespace imgcache
