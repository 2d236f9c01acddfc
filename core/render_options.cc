#include "core/render_options.h"

namespace imgcache {

ImageLimits image_limits(const Config& config) {
  return {.max_source_pixels = config.max_source_pixels, .max_frames = config.max_frames};
}

RenderOptions render_options(const Config& config) {
  return {.limits = image_limits(config),
          .auto_orient = config.auto_orient,
          .keep_icc = config.keep_icc,
          .resize_filter = config.resize_filter,
          .sharpen = config.sharpen,
          .transparency = config.transparency,
          .jpeg_quality = config.jpeg_quality,
          .webp_quality = config.webp_quality,
          .avif_quality = config.avif_quality,
          .avif_speed = config.avif_speed,
          .jxl_quality = config.jxl_quality,
          .jxl_effort = config.jxl_effort,
          .png_compression = config.png_compression,
          .png_quantize = config.png_quantize,
          .interlace = config.interlace};
}

}  // namespace imgcache
