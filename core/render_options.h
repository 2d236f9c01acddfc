// The imaging engine's options (core/imaging/imaging.h) taken from the config, so that
// the engine never sees the rest of it.
#pragma once

#include "core/config.h"
#include "core/imaging/imaging.h"

namespace imgcache {

ImageLimits image_limits(const Config& config);
RenderOptions render_options(const Config& config);

}  // namespace imgcache
