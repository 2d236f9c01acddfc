// What every image-decoding fuzz target checks: within tight limits, any bytes either give
// an image or Error(unsupported_image); nothing else (internal would be a 500 for a bad
// image: a bug, not an answer), and no crash.
#pragma once

#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/imaging/imaging.h"

namespace imgcache::fuzz {

inline const RenderOptions& fuzz_options() {
  static const RenderOptions options{.limits = {.max_source_pixels = 1'000'000, .max_frames = 8}};
  static const bool ready = (init_imaging(options.limits, 1), true);
  (void)ready;
  return options;
}

// Probes and renders `bytes` to fit 32x32; `also` runs between the two (more checks).
template <typename Also>
void render_or_refuse(const std::string& bytes, Also also) {
  const RenderOptions& options = fuzz_options();
  Operation op;
  op.width = 32;
  op.height = 32;
  try {
    probe_image(bytes, options.limits, options.auto_orient);  // a known format within limits
    also();
    const EncodedImage image = render_image(bytes, op, {}, options);
    if (image.width == 0 || image.height == 0) std::abort();
  } catch (const Error& e) {
    if (e.code() != Errc::unsupported_image) std::abort();
  }
}

}  // namespace imgcache::fuzz
