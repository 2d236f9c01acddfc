// imgcache warm [--jobs N] [--accept TYPES] [--webp] [--via URL] [--json] URI... | -
//   — fills the cache exactly as requests would (same key, same bytes); entries that are
// fresh are left alone.
// With --via the requests go through the web server in front (so each key lands on the
// node that owns it in a cluster), signed with the configured secret when they carry no
// token; otherwise into the local cache_dir directly.
#include <atomic>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/http_get.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/sign.h"
#include "core/url_parts.h"

namespace imgcache {
namespace {

struct WarmOptions {
  std::vector<std::string> uris;
  unsigned jobs = 4;
  bool webp = false;
  std::string accept;
  std::string via;
  bool json = false;
};

// The web server given to --via does not answer at all.
struct FrontDown {
  std::string reason;
};

enum class Outcome { warmed, fresh };

// One item into the local cache, as the responder would.
Outcome warm_locally(Runtime& runtime, const std::string& uri, FormatSet accepted) {
  ImageRequest request = parse_image_request(request_path(uri), runtime.config());
  ServedImage image = runtime.service().get(request, accepted, BodyMode::path_only);
  // Rendered but not stored (read-only or full cache_dir; the warning says why).
  if (image.file_path.empty()) throw Error(Errc::internal, "not written to the cache");
  return image.status == CacheStatus::hit ? Outcome::fresh : Outcome::warmed;
}

// One item through the web server at `via`; the URI keeps its query (a signed URL), and
// one without a query is signed when the config signs.
Outcome warm_via(const std::string& via, const std::string& uri, const Config& config) {
  std::string base = via;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string path = uri;
  if (auto scheme = uri.find("://"); scheme != std::string::npos) {
    path = uri.substr(std::min(uri.size(), uri.find('/', scheme + 3)));
  }
  if (config.sign != SignScheme::none && path.find('?') == std::string::npos) {
    path = sign_uri(signing_keys(config), path, std::nullopt);
  }
  HttpGetResult result = http_get(base + path, 120);
  if (result.status == 0) throw FrontDown{result.error};
  if (result.status != 200) {
    throw Error(errc_from_http_status(static_cast<int>(result.status)),
                "answered " + std::to_string(result.status));
  }
  return result.x_cache == "HIT" ? Outcome::fresh : Outcome::warmed;
}

std::vector<std::string> read_uris(const std::vector<std::string>& arguments) {
  if (arguments.size() != 1 || arguments[0] != "-") return arguments;
  std::vector<std::string> uris;
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line[0] != '#') uris.push_back(line);
  }
  return uris;
}

int run_warm(const WarmOptions& options, const Context& context) {
  std::optional<Runtime> runtime;
  std::optional<Config> config;
  if (options.via.empty()) {
    runtime.emplace(context.config_flags);
    runtime->service();  // starts the image library once, before the workers
  } else {
    config = context.config_flags.load();
  }
  const std::vector<std::string> uris = read_uris(options.uris);
  const FormatSet accepted = accepted_formats(options.accept, options.webp);
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> warmed{0}, fresh{0}, failed{0};
  std::atomic<bool> front_down{false};
  std::mutex output;
  Progress progress("warm", uris.size());
  std::atomic<std::uint64_t> done{0};

  auto worker = [&] {
    for (std::size_t i = next++; i < uris.size(); i = next++) {
      const std::string& uri = uris[i];
      try {
        Outcome outcome = options.via.empty() ? warm_locally(*runtime, uri, accepted)
                                              : warm_via(options.via, uri, *config);
        (outcome == Outcome::fresh ? fresh : warmed)++;
      } catch (const FrontDown& down) {
        failed++;
        std::lock_guard lock(output);
        // Said once: every other item fails the same way.
        if (!front_down.exchange(true)) {
          std::cerr << "\rimgcache: warm: the web server at " << without_credentials(options.via)
                    << " does not answer (" << down.reason << ")\n";
        }
      } catch (const Error& e) {
        failed++;
        std::lock_guard lock(output);
        std::cerr << "\rFAIL " << http_status(e.code()) << ' ' << without_credentials(uri) << ": "
                  << public_message(e.code()) << " (" << e.what() << ")\n";
      }
      std::lock_guard lock(output);
      progress.update(++done);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < std::max(1u, options.jobs); ++j) workers.emplace_back(worker);
  for (std::thread& t : workers) t.join();
  progress.finish();
  if (options.json) {
    std::cout << Json()
                     .add("items", static_cast<std::uint64_t>(uris.size()))
                     .add("warmed", warmed.load())
                     .add("fresh", fresh.load())
                     .add("failed", failed.load())
                     .add("front_down", front_down.load())
                     .str()
              << '\n';
  } else {
    std::cout << "warm: " << uris.size() << " items, " << warmed << " warmed, " << fresh
              << " fresh, " << failed << " failed\n";
  }
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
  auto* webp = command->add_flag("--webp", options->webp, "Same as --accept image/webp");
  auto* accept =
      command->add_option("--accept", options->accept,
                          "Warm the variant negotiated for a client sending this Accept header "
                          "(auto_jxl, auto_avif, auto_webp), e.g. image/avif,image/webp");
  command
      ->add_option("--via", options->via,
                   "Request through this web server (http://front:80) instead of writing "
                   "the local cache: in a cluster each key lands on its owner node")
      ->excludes(webp)
      ->excludes(accept);
  command->add_flag("--json", options->json, "One JSON object on stdout instead of the summary");
  run_when_chosen(command, options, context, run_warm);
}

}  // namespace imgcache
