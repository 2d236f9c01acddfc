// Site: what the responder builds from one reading of its config — the cache, the image
// service, the cache manager and the router over them. SIGHUP builds a new Site and the
// server routes new requests through it; requests in hand finish on the Site that routed
// them, which goes when its last one has.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/app/assembly.h"
#include "core/config.h"
#include "core/log.h"
#include "fcgi/cache_manager.h"
#include "fcgi/metrics.h"
#include "fcgi/router.h"

namespace imgcache {

class Site {
 public:
  enum class Start {
    first,   // the process starts: the cache loader walks the tree, to repair a crash
    reload,  // a new config for a running process: the loader walks only if the index asks
  };
  // metrics may be null (no metrics_path).
  Site(Config config, Metrics* metrics, LogSink warn, LogSink info, Start start);
  Site(const Site&) = delete;
  Site& operator=(const Site&) = delete;

  const Config& config() const { return app_.config(); }
  Router& router() { return router_; }

 private:
  Assembly app_;
  CacheManager manager_;
  Router router_;
};

// The router of a site, holding the site alive as long as it is held.
std::shared_ptr<Router> router_of(std::shared_ptr<Site> site);

// The settings a running server keeps until it is restarted (its socket, threads, queue,
// log format, and whether it keeps metrics at all) that differ between the config it
// started with and a new one, by name.
std::vector<std::string> changes_needing_restart(const Config& started, const Config& next);

}  // namespace imgcache
