// imgcache-fcgi: the FastCGI responder (SPEC §8). Loads the config, opens the socket,
// starts the workers and waits for SIGTERM or SIGINT, then lets in-flight requests
// finish and exits 0. Exit 2 on a usage or config error.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/config_flags.h"
#include "core/cache_pruner.h"
#include "core/error.h"
#include "core/fetcher.h"
#include "core/image_pipeline.h"
#include "core/image_service.h"
#include "fcgi/cache_manager.h"
#include "fcgi/router.h"
#include "fcgi/server.h"

namespace {

unsigned worker_count(unsigned configured) {
  if (configured > 0) return configured;
  // Workers wait on the origin as much as on the CPU: several per core.
  return 4 * std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace imgcache;
  CLI::App app("imgcache-fcgi: on-the-fly image resizing FastCGI responder", "imgcache-fcgi");
  ConfigFlags flags;
  flags.add_to(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // Signals are taken by sigwait below, never by a handler; SIGPIPE (a client gone) is
  // reported by the failed write instead.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    const Config config = flags.load();
    init_image_library(config);
    SystemClock clock;
    auto fetcher = make_origin_fetcher(config);
    LogSink warn = [](std::string_view line) { std::cerr << "warn: " << line << '\n'; };
    ImageService service(config, *fetcher, clock, warn);
    if (auto swept = sweep_abandoned_writes(service.store())) {
      std::cerr << "imgcache-fcgi: removed " << swept << " temporary files of interrupted writes\n";
    }
    std::optional<Metrics> metrics;
    if (!config.metrics_path.empty()) metrics.emplace();
    Metrics* metrics_sink = metrics ? &*metrics : nullptr;
    std::optional<CacheManager> manager;
    if (config.cache_manager_interval.count() > 0) {
      manager.emplace(service.store(), config, clock, warn, [metrics_sink](const PruneReport& r) {
        if (metrics_sink) metrics_sink->set_cache_size(r.kept_entries, r.kept_bytes);
      });
    }
    Router router(config, service, clock, metrics_sink);
    Server server(config.listen, worker_count(config.threads), router, clock, metrics_sink);
    std::thread signal_waiter([&] {
      int signal_number = 0;
      sigwait(&stop_signals, &signal_number);
      server.stop();
    });
    server.run();
    kill(getpid(), SIGTERM);  // wakes the waiter if the workers stopped on their own
    signal_waiter.join();
    return 0;
  } catch (const Error& e) {
    std::cerr << "imgcache-fcgi: " << e.what() << '\n';
    return e.code() == Errc::bad_config ? 2 : 1;
  }
}
