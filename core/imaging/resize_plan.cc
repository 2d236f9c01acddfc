#include "core/imaging/resize_plan.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace imgcache {
namespace {

constexpr std::uint64_t kUnlimited = std::numeric_limits<unsigned>::max();

std::uint64_t bound(unsigned box) { return box == kUnbounded ? kUnlimited : box; }

// v * num / den, truncated, never below 1 (nginx: "0 becomes 1").
unsigned scale(std::uint64_t v, std::uint64_t num, std::uint64_t den) {
  return static_cast<unsigned>(std::max<std::uint64_t>(1, v * num / den));
}

}  // namespace

ResizePlan plan_resize(Size source, const Operation& op) {
  const std::uint64_t box_w = bound(op.width);
  const std::uint64_t box_h = bound(op.height);
  ResizePlan plan;
  plan.rotate = op.rotate;
  plan.fits = source.width <= box_w && source.height <= box_h && op.rotate == 0;

  Size s = source;
  if (!plan.fits) {
    if (op.crop) {
      bool taller = static_cast<double>(s.width) / s.height <
                    static_cast<double>(box_w) / static_cast<double>(box_h);
      if (taller && s.width > box_w) {
        s.height = scale(s.height, box_w, s.width);
        s.width = static_cast<unsigned>(box_w);
      } else if (!taller && s.height > box_h) {
        s.width = scale(s.width, box_h, s.height);
        s.height = static_cast<unsigned>(box_h);
      }
    } else {
      if (s.width > box_w) {
        s.height = scale(s.height, box_w, s.width);
        s.width = static_cast<unsigned>(box_w);
      }
      if (s.height > box_h) {
        s.width = scale(s.width, box_h, s.height);
        s.height = static_cast<unsigned>(box_h);
      }
    }
  }
  plan.scaled = s;

  Size rotated = (op.rotate == 90 || op.rotate == 270) ? Size{s.height, s.width} : s;
  plan.output = rotated;
  if (op.crop && !plan.fits) {
    unsigned over_x = rotated.width > box_w ? rotated.width - static_cast<unsigned>(box_w) : 0;
    unsigned over_y = rotated.height > box_h ? rotated.height - static_cast<unsigned>(box_h) : 0;
    plan.output = {rotated.width - over_x, rotated.height - over_y};
    plan.trim_x = over_x / 2;
    plan.trim_y = over_y / 2;
  }
  return plan;
}

}  // namespace imgcache
