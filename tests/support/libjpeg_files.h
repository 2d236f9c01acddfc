// JPEG files written and read by libjpeg itself, for tests that need a layout GraphicsMagick
// does not offer (restart markers, a scan script, chosen chroma subsampling) or libjpeg's
// own decode at a reduced scale as the reference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imgcache::testing {

struct ProgressiveLayout {
  unsigned luma_h = 2;  // luma sampling factors, chroma being 1x1: 2x2 is 4:2:0, 1x1 4:4:4
  unsigned luma_v = 2;
  unsigned restart_rows = 0;           // a restart marker every this many MCU rows
  bool dc_scan_per_component = false;  // DC scans of one component each, not interleaved
  bool grey = false;
  bool rgb = false;  // R, G, B components (marked by an Adobe segment), not Y, Cb, Cr
  // Every AC coefficient of every component in scans of its own, each sent in three
  // passes of successive approximation: 3 DC scans and 189 × 3 AC scans for three
  // components, a valid file far past any encoder's usual ten or so.
  bool scan_per_coefficient = false;
};

// The photo-like image (make_image's) written by libjpeg as a progressive JPEG, quality 90.
std::string make_libjpeg_progressive(unsigned width, unsigned height,
                                     const ProgressiveLayout& layout);

// The JPEG decoded by libjpeg from all of its scans at 1/denominator scale: RGB (or grey)
// bytes.
std::vector<std::uint8_t> libjpeg_scaled(const std::string& jpeg, unsigned denominator);

// One component's quantised DCT coefficients as libjpeg reads them from all of a file's
// scans: blocks row by row up to the image's edge, 64 each in natural (row-major) order.
struct LibjpegCoefficients {
  unsigned blocks_across = 0;
  unsigned blocks_down = 0;
  std::vector<std::int16_t> blocks;
};
std::vector<LibjpegCoefficients> libjpeg_coefficients(const std::string& jpeg);

// PSNR in dB of two equally long runs of 8-bit samples (infinity when identical).
double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b);

}  // namespace imgcache::testing
