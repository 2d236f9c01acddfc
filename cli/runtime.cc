#include "cli/runtime.h"

#include <iostream>

#include "core/cache_layout.h"
#include "core/image_pipeline.h"

namespace imgcache {

Runtime::Runtime(const ConfigFlags& flags)
    : config_(flags.load()), store_(config_.cache_dir, parse_levels(config_.cache_levels)) {}

ImageService& Runtime::service() {
  if (!service_) {
    init_image_library(config_);
    fetcher_ = make_origin_fetcher(config_);
    service_ = std::make_unique<ImageService>(
        config_, *fetcher_, clock_, [](std::string_view line) { std::cerr << "warn: " << line << '\n'; });
  }
  return *service_;
}

std::string request_path(const std::string& url) {
  std::string_view path = url;
  if (auto scheme = path.find("://"); scheme != std::string_view::npos) {
    auto slash = path.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  return std::string(path.substr(0, path.find('?')));
}

}  // namespace imgcache
