// imgcache purge URI... | --source PATH | --all   — removes cache entries, safe while the
// responder runs (each removal takes the entry's lock, so no write is cut in half).
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/cache_layout.h"
#include "core/cache_scan.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/url_parts.h"

namespace imgcache {
namespace {

struct PurgeOptions {
  std::vector<std::string> uris;
  std::string source;
  bool all = false;
};

// Every entry whose meta passes `match`, and those whose meta cannot be read if
// match_unreadable (half-written leftovers, for --all).
std::uint64_t purge_matching(CacheStore& store, const std::function<bool(const EntryMeta&)>& match,
                             bool match_unreadable) {
  std::vector<std::string> doomed;
  scan_cache(store.root(), {[&](const EntryFiles& files) {
                              auto entry = store.read_entry(files.body_path);
                              if (entry ? match(entry->meta) : match_unreadable) {
                                doomed.push_back(files.hex);
                              }
                            },
                            nullptr});
  std::uint64_t removed = 0;
  Progress progress("purge", doomed.size());
  for (const std::string& hex : doomed) {
    if (store.remove_digest(hex, true)) ++removed;
    progress.update(removed);
  }
  return removed;
}

int run_purge(const PurgeOptions& options, const Context& context) {
  Runtime runtime(context.config_flags);
  const Config& config = runtime.config();
  CacheStore& store = runtime.store();
  std::uint64_t removed = 0;
  if (options.all) {
    removed = purge_matching(
        store, [](const EntryMeta&) { return true; }, true);
  } else if (!options.source.empty()) {
    std::string path = options.source;
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    const std::string suffix = " /" + percent_decode(path);
    const std::string origin = without_credentials(config.origin) + " ";
    removed = purge_matching(
        store,
        [&](const EntryMeta& meta) {
          return meta.key.rfind(origin, 0) == 0 && meta.key.size() >= suffix.size() &&
                 meta.key.compare(meta.key.size() - suffix.size(), suffix.size(), suffix) == 0;
        },
        false);
  } else {
    for (const std::string& uri : options.uris) {
      ImageRequest request = parse_image_request(request_path(uri), config);
      for (bool webp : {false, true}) {
        if (store.remove(cache_key(config.origin, request, webp))) ++removed;
      }
    }
  }
  std::cout << "purged " << removed << (removed == 1 ? " entry\n" : " entries\n");
  return 0;
}

}  // namespace

void add_purge_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<PurgeOptions>();
  CLI::App* command = app.add_subcommand("purge", "Remove cache entries");
  auto* uris = command->add_option("uri", options->uris, "Request paths or URLs (all variants)");
  auto* source = command->add_option("--source", options->source,
                                     "Every size and option of one origin path (a/b.jpg)");
  auto* all = command->add_flag("--all", options->all, "Everything in the cache");
  uris->excludes(source)->excludes(all);
  source->excludes(all);
  command->callback([options, &context] {
    if (options->uris.empty() && options->source.empty() && !options->all) {
      throw CLI::RequiredError("give URIs, --source PATH or --all");
    }
    context.run = [options, &context] { return run_purge(*options, context); };
  });
}

}  // namespace imgcache
