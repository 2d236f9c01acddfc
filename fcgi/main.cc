// imgcache-fcgi: the FastCGI responder (SPEC §8). Loads the config, opens the socket,
// starts the workers and waits for SIGTERM or SIGINT, then lets in-flight requests
// finish and exits 0; SIGHUP reloads the config. Exit 2 on a usage or config error.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "core/app/assembly.h"
#include "core/app/config_flags.h"
#include "core/app/version.h"
#include "core/cpu_cores.h"
#include "core/error.h"
#include "core/text.h"
#include "core/units.h"
#include "core/url_parts.h"
#include "fcgi/server.h"
#include "fcgi/site.h"

namespace {

using namespace imgcache;

unsigned worker_count(unsigned configured) {
  if (configured > 0) return configured;
  // Workers wait on the origin as much as on the CPU: several per core.
  return 4 * cpu_cores();
}

// The sites the responder has built: the one serving and the ones a reload replaced, kept
// here until their last request is answered, so that each is destroyed on this thread
// (joining its cache manager's threads) and never on one that serves requests.
struct Sites {
  std::shared_ptr<Site> current;
  std::vector<std::shared_ptr<Site>> retired;

  void reap() {
    std::erase_if(retired, [](const std::shared_ptr<Site>& site) { return site.use_count() == 1; });
  }
};

// What a reload needs beside the sites.
struct ReloadContext {
  const ConfigFlags& flags;
  const Config& started;  // the config the server took its own settings from
  Server& server;
  Metrics* metrics;  // null without metrics_path at start
  LogSink warn;
  LogSink info;
};

// Builds a Site from the config file read again, and routes new requests through it; a
// config that does not load leaves the running one serving.
void reload(const ReloadContext& context, Sites& sites) {
  const std::string file = context.flags.file().empty() ? "(no config file)" : context.flags.file();
  bool loaded = false;
  try {
    Config next = context.flags.load();
    const std::vector<std::string> kept = changes_needing_restart(context.started, next);
    auto next_site = std::make_shared<Site>(std::move(next), context.metrics, context.warn,
                                            context.info, Site::Start::reload);
    context.server.use_router(router_of(next_site));
    sites.retired.push_back(std::exchange(sites.current, std::move(next_site)));
    std::string line = "reloaded config " + file;
    if (!kept.empty()) {
      line += "; changes to";
      for (const std::string& name : kept) line += " " + name;
      line += " take effect at the next start";
    }
    context.info(line);
    loaded = true;
  } catch (const std::exception& e) {
    context.info("config " + file + " not reloaded, the running one still serves: " + e.what());
  }
  if (context.metrics) context.metrics->record_reload(loaded);
}

// Waits for SIGTERM or SIGINT and stops the server, reloading the config on each SIGHUP and
// destroying, once a second, the replaced sites no request holds any more; returns early
// when the server stopped on its own (woken by `done`).
void wait_for_stop_signal(const sigset_t& signals, const ReloadContext& context, Sites& sites,
                          const std::atomic<bool>& done) {
  for (;;) {
    const timespec tick{1, 0};
    const int signal_number = sigtimedwait(&signals, nullptr, &tick);
    if (done) return;
    sites.reap();
    if (signal_number < 0) continue;  // the tick, or an interruption
    if (signal_number == SIGHUP) {
      reload(context, sites);
      continue;
    }
    std::cerr << "imgcache-fcgi: stopping\n";
    context.server.stop();
    return;
  }
}

// Serves until a stop signal; 0 after a clean stop, 1 if the workers stopped on their own.
int serve(const ConfigFlags& flags, const sigset_t& signals) {
  LogSink warn = [](std::string_view line) { std::cerr << "warn: " << line << '\n'; };
  LogSink info = [](std::string_view line) { std::cerr << "imgcache-fcgi: " << line << '\n'; };
  Config loaded = flags.load();
  const Config config = loaded;  // the settings the server keeps until a restart
  std::optional<Metrics> metrics;
  if (!config.metrics_path.empty()) metrics.emplace(kVersion);
  Metrics* metrics_sink = metrics ? &*metrics : nullptr;
  Sites sites{
      std::make_shared<Site>(std::move(loaded), metrics_sink, warn, info, Site::Start::first)};
  const std::string config_file = flags.file();
  const unsigned workers = worker_count(config.threads);
  info(std::string(kVersion) + " starting: config " +
       (config_file.empty() ? "none (defaults)" : config_file) + ", listen " +
       (config.listen.empty() ? "the socket on standard input" : config.listen) + ", " +
       std::to_string(workers) + " workers, origin " + without_credentials(config.origin) +
       ", cache " + config.cache_dir + " (max " + format_size(config.cache_max_size) +
       ", inactive " + format_duration(config.cache_inactive) + ")");
  SystemClock clock;
  Server server(
      {.listen = config.listen,
       .workers = workers,
       .max_queue = config.max_queue,
       .queue_timeout = config.queue_timeout,
       .log_format = config.log_format,
       .unlogged_paths = config.log_monitoring
                             ? std::vector<std::string>{}
                             : std::vector<std::string>{config.metrics_path, config.health_path}},
      router_of(sites.current), clock, metrics_sink);
  const ReloadContext context{flags, config, server, metrics_sink, warn, info};
  std::atomic<bool> done{false};
  std::thread signal_waiter([&] { wait_for_stop_signal(signals, context, sites, done); });
  server.run();
  done = true;
  bool stopped_by_signal = server.stopping();
  kill(getpid(), SIGTERM);  // wakes the waiter if the workers stopped on their own
  signal_waiter.join();
  if (!stopped_by_signal) std::cerr << "imgcache-fcgi: workers stopped: accept failed\n";
  return stopped_by_signal ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("imgcache-fcgi: on-the-fly image resizing FastCGI responder", "imgcache-fcgi");
  app.set_version_flag("--version", std::string("imgcache-fcgi ") + kVersion);
  ConfigFlags flags;
  flags.add_to(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // Signals are taken by sigwait, never by a handler; SIGPIPE (a client gone) is reported
  // by the failed write instead. Blocked before any thread starts, so all inherit it.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Past a file size limit, a write fails with EFBIG (the entry is served uncached)
  // instead of the signal killing the process.
  signal(SIGXFSZ, SIG_IGN);
  // Every worker thread would otherwise get a malloc arena of its own and keep the memory
  // of its largest decode; two arenas keep the resident size close to what is in use.
  mallopt(M_ARENA_MAX, 2);
  // As many connections as the hard limit allows (nginx's worker_rlimit_nofile): idle and
  // slow peers cost a descriptor each, never a thread.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  try {
    return serve(flags, signals);
  } catch (const Error& e) {
    std::cerr << prefixed_lines("imgcache-fcgi: ", e.what());
    return e.code() == Errc::bad_config ? 2 : 1;
  }
}
