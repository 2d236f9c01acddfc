#include "core/imaging/magick_resize.h"

#include <Magick++.h>

#include "core/imaging/magick_pixels.h"

namespace imgcache {

void apply_plan(Magick::Image& image, const ResizePlan& plan, ResizeFilter filter,
                unsigned sharpen) {
  if (image.columns() != plan.scaled.width || image.rows() != plan.scaled.height) {
    resize_image(image, plan.scaled, filter);
  }
  if (plan.rotate) image.rotate(360.0 - plan.rotate);  // nginx rotates counter-clockwise
  if (image.columns() != plan.output.width || image.rows() != plan.output.height) {
    image.crop(Magick::Geometry(plan.output.width, plan.output.height, plan.trim_x, plan.trim_y));
  }
  image.page(Magick::Geometry(plan.output.width, plan.output.height, 0, 0));
  if (sharpen > 0) image.unsharpmask(0.0, 1.0, sharpen / 100.0, 0.0);
}

}  // namespace imgcache
