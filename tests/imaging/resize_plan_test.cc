// nginx image_filter geometry (reference nginx-semantics §1.5–1.7 and the [run] rows of §7).
#include "core/imaging/resize_plan.h"

#include <gtest/gtest.h>

#include "core/image_request.h"

namespace imgcache {
namespace {

struct Case {
  Size source;
  const char* spec;
  Size expected;
  bool fits;
};

Operation op(const char* spec) {
  Config config;
  config.max_width = config.max_height = 65535;
  return parse_operation(spec, config);
}

class ResizePlanTable : public ::testing::TestWithParam<Case> {};

TEST_P(ResizePlanTable, MatchesNginx) {
  const Case& c = GetParam();
  ResizePlan plan = plan_resize(c.source, op(c.spec));
  EXPECT_EQ(plan.output, c.expected) << c.source.width << "x" << c.source.height << " " << c.spec
                                     << " gave " << plan.output.width << "x" << plan.output.height;
  EXPECT_EQ(plan.fits, c.fits);
}

// One aligned row per case.
// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Nginx, ResizePlanTable,
    ::testing::Values(
        Case{{1000, 500}, "150x150", {150, 75}, false},       // row 1
        Case{{152, 106}, "150x100", {144, 100}, false},       // row 2: two-step truncation
        Case{{100, 167}, "150x100", {59, 100}, false},        // row 3: truncates, not 60
        Case{{151, 152}, "150x100", {100, 100}, false},       // row 4
        Case{{1000, 1}, "10x10", {10, 1}, false},             // row 5: 0 becomes 1
        Case{{640, 480}, "2000x2000", {640, 480}, true},      // row 6: never enlarges
        Case{{640, 480}, "640x480", {640, 480}, true},        // row 6
        Case{{799, 601}, "-x100", {132, 100}, false},         // row 7
        Case{{799, 601}, "100x-", {100, 75}, false},          // row 7
        Case{{4000, 3000}, "150x150", {150, 112}, false},     // issue: 150×112
        Case{{1000, 500}, "150x150,crop", {150, 150}, false}, // row 8
        Case{{401, 299}, "100x200,crop", {100, 200}, false},  // row 9
        Case{{1, 1000}, "100x100,crop", {1, 100}, false},     // row 9
        Case{{152, 106}, "150x150,crop", {150, 106}, false},  // row 9
        Case{{200, 100}, "300x300,crop", {200, 100}, true},   // row 10: no padding
        Case{{4000, 3000}, "150x150,crop", {150, 150}, false},
        Case{{640, 480}, "-x100,crop", {640, 100}, false},    // §1.6 '-' in crop
        Case{{640, 480}, "100x-,crop", {100, 480}, false},
        Case{{100, 120}, "5x6,crop,r90", {5, 5}, false},      // row 13
        Case{{100, 120}, "5x6,r90", {6, 5}, false},           // row 13
        Case{{300, 200}, "500x500,r90", {200, 300}, false},   // rotation alone
        Case{{300, 200}, "500x500,r180", {300, 200}, false},
        Case{{3000, 4000}, "150x150", {112, 150}, false},     // portrait
        Case{{16, 16}, "150x150", {16, 16}, true},            // tiny image does not grow
        Case{{200, 100}, "-x-", {200, 100}, true}));
// clang-format on

TEST(ResizePlan, CropOffsetsAreCentred) {
  // 1000×500 crop 150 150 → scaled 300×150, x-offset 75 (row 8).
  ResizePlan plan = plan_resize({1000, 500}, op("150x150,crop"));
  EXPECT_EQ(plan.scaled, (Size{300, 150}));
  EXPECT_EQ(plan.trim_x, 75u);
  EXPECT_EQ(plan.trim_y, 0u);
  // 401×299 crop 100 200 → scaled 268×200, x-offset 84 (row 9).
  plan = plan_resize({401, 299}, op("100x200,crop"));
  EXPECT_EQ(plan.scaled, (Size{268, 200}));
  EXPECT_EQ(plan.trim_x, 84u);
  // 1×1000 crop 100 100 → no scaling, y-offset 450.
  plan = plan_resize({1, 1000}, op("100x100,crop"));
  EXPECT_EQ(plan.scaled, (Size{1, 1000}));
  EXPECT_EQ(plan.trim_y, 450u);
}

}  // namespace
}  // namespace imgcache
