#include "fcgi/site.h"

namespace imgcache {

Site::Site(Config config, Metrics* metrics, LogSink warn, LogSink info, Start start)
    : app_(std::move(config), std::move(warn), Overload::reject, 1),
      manager_(
          app_.store(), app_.config(), app_.clock(), std::move(info),
          [metrics](const PruneReport& r) {
            if (metrics) metrics->set_cache_size(r.kept_entries, r.kept_bytes);
          },
          start == Start::first),
      router_(app_.config(), app_.service(), app_.clock(), metrics) {}

std::shared_ptr<Router> router_of(std::shared_ptr<Site> site) {
  Router& router = site->router();
  return {std::move(site), &router};
}

std::vector<std::string> changes_needing_restart(const Config& started, const Config& next) {
  std::vector<std::string> changed;
  auto note = [&changed](bool differs, const char* name) {
    if (differs) changed.emplace_back(name);
  };
  note(started.listen != next.listen, "listen");
  note(started.threads != next.threads, "threads");
  note(started.max_queue != next.max_queue, "max_queue");
  note(started.queue_timeout != next.queue_timeout, "queue_timeout");
  note(started.log_format != next.log_format, "log_format");
  note(started.log_monitoring != next.log_monitoring, "log_monitoring");
  note(started.metrics_path.empty() != next.metrics_path.empty(), "metrics_path");
  return changed;
}

}  // namespace imgcache
