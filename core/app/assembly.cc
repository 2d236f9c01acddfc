#include "core/app/assembly.h"

#include "core/cache_layout.h"
#include "core/render_options.h"

namespace imgcache {

Assembly::Assembly(Config config, LogSink warn, Overload overload, unsigned threads_per_image)
    : config_(std::move(config)),
      warn_(std::move(warn)),
      overload_(overload),
      threads_per_image_(threads_per_image),
      store_(config_.cache_dir, parse_levels(config_.cache_levels), warn_) {}

ImageService& Assembly::service() {
  if (!service_) {
    init_imaging(image_limits(config_), threads_per_image_);
    fetcher_ = make_origin_fetcher(origin_options(config_));
    service_ = std::make_unique<ImageService>(config_, *fetcher_, store_, clock_, warn_, overload_);
  }
  return *service_;
}

}  // namespace imgcache
