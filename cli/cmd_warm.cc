// imgcache warm [--jobs N] [--webp] URI... | -   — fills the cache exactly as requests
// would (same key, same bytes); entries that are fresh are left alone.
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/error.h"
#include "core/image_request.h"

namespace imgcache {
namespace {

struct WarmOptions {
  std::vector<std::string> uris;
  unsigned jobs = 4;
  bool webp = false;
};

std::vector<std::string> read_uris(const std::vector<std::string>& arguments) {
  if (arguments.size() != 1 || arguments[0] != "-") return arguments;
  std::vector<std::string> uris;
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line[0] != '#') uris.push_back(line);
  }
  return uris;
}

int run_warm(const WarmOptions& options, const Context& context) {
  Runtime runtime(context.config_flags);
  ImageService& service = runtime.service();
  const std::vector<std::string> uris = read_uris(options.uris);
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> warmed{0}, fresh{0}, failed{0};
  std::mutex output;
  Progress progress("warm", uris.size());
  std::atomic<std::uint64_t> done{0};

  auto worker = [&] {
    for (std::size_t i = next++; i < uris.size(); i = next++) {
      const std::string& uri = uris[i];
      try {
        ImageRequest request = parse_image_request(request_path(uri), runtime.config());
        ServedImage image = service.get(request, options.webp, BodyMode::path_only);
        (image.status == CacheStatus::hit ? fresh : warmed)++;
      } catch (const Error& e) {
        failed++;
        std::lock_guard lock(output);
        std::cerr << "\rFAIL " << http_status(e.code()) << ' ' << uri << ": "
                  << public_message(e.code()) << " (" << e.what() << ")\n";
      }
      std::lock_guard lock(output);
      progress.update(++done);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < std::max(1u, options.jobs); ++j) workers.emplace_back(worker);
  for (std::thread& t : workers) t.join();
  std::cout << "warm: " << uris.size() << " items, " << warmed << " warmed, " << fresh
            << " fresh, " << failed << " failed\n";
  return failed > 0 ? 1 : 0;
}

}  // namespace

void add_warm_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<WarmOptions>();
  CLI::App* command = app.add_subcommand("warm", "Fetch and resize URIs into the cache");
  command->add_option("uri", options->uris, "Request paths or URLs, or - to read them from stdin")
      ->required();
  command->add_option("-j,--jobs", options->jobs, "Parallel fetches (default 4)")
      ->check(CLI::Range(1u, 64u));
  command->add_flag("--webp", options->webp, "Warm the WebP variant that auto_webp negotiates");
  command->callback([options, &context] {
    context.run = [options, &context] { return run_warm(*options, context); };
  });
}

}  // namespace imgcache
