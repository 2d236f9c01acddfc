// imgcache purge URI... | --source PATH | --all [--json]   — removes cache entries, safe while the
// responder runs (each removal takes the entry's lock, so no write is cut in half).
#include <iostream>
#include <system_error>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/cache_index.h"
#include "core/cache_layout.h"
#include "core/cache_scan.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/negotiation.h"

namespace imgcache {
namespace {

struct PurgeOptions {
  std::vector<std::string> uris;
  std::string source;
  bool all = false;
  bool json = false;
};

// Removes the entries named by digest. A removal that fails (read-only cache…) is
// counted, and the first reason kept, so the command can say why it did not succeed.
struct Removal {
  std::uint64_t removed = 0;
  std::uint64_t failed = 0;
  std::string first_error;
};

Removal remove_entries(CacheStore& store, const std::vector<std::string>& digests) {
  Removal out;
  Progress progress("purge", digests.size());
  std::uint64_t done = 0;
  for (const std::string& hex : digests) {
    try {
      if (store.remove_digest(hex, true)) ++out.removed;
    } catch (const std::system_error& e) {
      if (out.failed++ == 0) out.first_error = e.what();
    }
    progress.update(++done);
  }
  return out;
}

// Every entry on disk, whole or half-written: the walk of the tree, for --all.
std::vector<std::string> every_entry(CacheStore& store) {
  std::vector<std::string> doomed;
  scan_cache(store.root(), {[&](const EntryFiles& files) { doomed.push_back(files.hex); }});
  return doomed;
}

// The entries of one source, found in the index (or, while a responder is still filling
// it, by a walk of the tree), each checked against its own key.
std::vector<std::string> of_source(Runtime& runtime, const std::string& source_path) {
  CacheStore& store = runtime.store();
  const std::string& origin = runtime.config().origin;
  const bool indexed = !runtime.index_cache().skipped && store.index().loaded();
  std::vector<std::string> doomed;
  for (const std::string& hex :
       indexed ? store.index().entries_of_source(source_id(origin, source_path))
               : every_entry(store)) {
    auto entry = store.read_entry(store.path_of_digest(hex));
    if (entry && key_names_source(entry->meta.key, origin, source_path)) doomed.push_back(hex);
  }
  return doomed;
}

int run_purge(const PurgeOptions& options, const Context& context) {
  Runtime runtime(context.config_flags);
  const Config& config = runtime.config();
  CacheStore& store = runtime.store();
  std::vector<std::string> digests;
  if (options.all) {
    digests = every_entry(store);
  } else if (!options.source.empty()) {
    std::string path = options.source;
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    digests = of_source(runtime, percent_decode(path));
  } else {
    for (const std::string& uri : options.uris) {
      ImageRequest request = parse_image_request(request_path(uri), config);
      // Every negotiated variant, whatever auto_* and auto_order said when it was made.
      for (const std::vector<ImageFormat>& negotiated : every_negotiation()) {
        digests.push_back(key_digest(cache_key(config.origin, request, negotiated)));
      }
    }
  }
  Removal removal = remove_entries(store, digests);
  if (options.json) {
    std::cout << Json()
                     .add("removed_entries", removal.removed)
                     .add("failed_entries", removal.failed)
                     .add("error", removal.first_error)
                     .str()
              << '\n';
  } else {
    std::cout << "purged " << removal.removed << (removal.removed == 1 ? " entry\n" : " entries\n");
  }
  if (removal.failed == 0) return 0;
  std::cerr << "imgcache: purge: " << removal.failed
            << (removal.failed == 1 ? " entry" : " entries")
            << " not removed: " << removal.first_error << '\n';
  return 1;
}

}  // namespace

void add_purge_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<PurgeOptions>();
  CLI::App* command = app.add_subcommand("purge", "Remove cache entries");
  auto* uris = command->add_option("uri", options->uris, "Request paths or URLs (all variants)");
  auto* source = command->add_option("--source", options->source,
                                     "Every size and option of one origin path (a/b.jpg)");
  auto* all = command->add_flag("--all", options->all, "Everything in the cache");
  command->add_flag("--json", options->json,
                    "One JSON object on stdout: removed_entries, failed_entries, error");
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
