// The geometry of an operation, with nginx image_filter's exact integer arithmetic
// (reference: nginx-semantics §1.5–1.7): two-step truncating resize, a floating-point
// aspect test for crop, then rotation, then a centred trim. Never enlarges.
// Pure functions, table-tested against nginx's results.
#pragma once

#include "core/imaging/vocabulary.h"

namespace imgcache {

struct ResizePlan {
  bool fits = false;    // source already inside the box and no rotation: nothing to do
  Size scaled;          // after scaling (equals the source when not scaled)
  unsigned rotate = 0;  // counter-clockwise degrees, applied after scaling
  Size output;          // after the trim
  unsigned trim_x = 0;  // offset of the trim in the rotated image
  unsigned trim_y = 0;
};

ResizePlan plan_resize(Size source, const Operation& op);

}  // namespace imgcache
