// The low-frequency coefficients of progressive JPEGs (core/imaging/jpeg_scans.h): exactly
// the ones libjpeg reads from all of the file's scans, in every layout a progressive file
// may have, at each number kept.
#include "core/imaging/jpeg_scans.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/libjpeg_files.h"

namespace imgcache {
namespace {

using testing::make_libjpeg_progressive;

// How many kept coefficients differ from libjpeg's.
std::size_t differences(const std::string& jpeg, unsigned kept) {
  const jpeg::Scans scans = jpeg::read_progressive_scans(jpeg, kept);
  const std::vector<testing::LibjpegCoefficients> reference = testing::libjpeg_coefficients(jpeg);
  EXPECT_EQ(scans.components().size(), reference.size());
  std::size_t differ = 0;
  for (std::size_t c = 0; c < reference.size(); ++c) {
    const jpeg::ScanComponent& ours = scans.components()[c];
    const testing::LibjpegCoefficients& theirs = reference[c];
    for (unsigned row = 0; row < theirs.blocks_down; ++row) {
      for (unsigned column = 0; column < theirs.blocks_across; ++column) {
        const std::int16_t* mine =
            &ours.coefficients[(std::size_t{row} * ours.blocks_across + column) * kept * kept];
        const std::int16_t* libjpegs =
            &theirs.blocks[(std::size_t{row} * theirs.blocks_across + column) * 64];
        for (unsigned v = 0; v < kept; ++v) {
          for (unsigned u = 0; u < kept; ++u) differ += mine[v * kept + u] != libjpegs[v * 8 + u];
        }
      }
    }
  }
  return differ;
}

TEST(JpegScans, KeepExactlyTheLowCoefficientsLibjpegReads) {
  const std::vector<std::pair<const char*, std::string>> files = {
      {"4:2:0", make_libjpeg_progressive(800, 600, {})},
      {"4:4:4", make_libjpeg_progressive(640, 480, {.luma_h = 1, .luma_v = 1})},
      {"4:2:2", make_libjpeg_progressive(640, 480, {.luma_h = 2, .luma_v = 1})},
      {"partial MCUs", make_libjpeg_progressive(803, 597, {})},
      {"restarts", make_libjpeg_progressive(640, 480, {.restart_rows = 1})},
      {"DC scan per component",
       make_libjpeg_progressive(640, 480, {.restart_rows = 2, .dc_scan_per_component = true})},
      {"grey", make_libjpeg_progressive(640, 480, {.grey = true})},
      {"RGB", make_libjpeg_progressive(640, 480, {.rgb = true})},
  };
  for (const auto& [layout, jpeg] : files) {
    for (unsigned kept : {1u, 2u, 4u}) {
      EXPECT_EQ(differences(jpeg, kept), 0u) << layout << ", " << kept << "x" << kept;
    }
  }
}

TEST(JpegScans, KeepTheQuantisersOfTheKeptCoefficients) {
  const std::string jpeg = make_libjpeg_progressive(64, 48, {});
  const jpeg::Scans scans = jpeg::read_progressive_scans(jpeg, 4);
  for (const jpeg::ScanComponent& component : scans.components()) {
    ASSERT_EQ(component.quant.size(), 16u);
    for (std::uint16_t quantiser : component.quant) EXPECT_GT(quantiser, 0u);
    EXPECT_LT(component.quant[0], component.quant[15]);  // coarser as frequencies rise
  }
}

}  // namespace
}  // namespace imgcache
