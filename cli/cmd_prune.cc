// imgcache prune [--max-size S] [--inactive D] [--dry-run] [--list] [--reindex] [--json] — the
// responder's cache policy, for cron: idle entries first, then least recently read, to the
// size limit. Answers from the cache index (walking the tree into it first if no walk has).
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/cache_pruner.h"
#include "core/error.h"
#include "core/http_date.h"

namespace imgcache {
namespace {

struct PruneCommandOptions {
  std::string max_size;
  std::string inactive;
  bool dry_run = false;
  bool list = false;
  bool reindex = false;
  bool json = false;
};

int run_prune(const PruneCommandOptions& options, const Context& context) {
  Runtime runtime(context.config_flags);
  PruneLimits limits;
  try {
    limits.max_size =
        options.max_size.empty() ? runtime.config().cache_max_size : parse_size(options.max_size);
    limits.inactive = options.inactive.empty() ? runtime.config().cache_inactive
                                               : parse_duration(options.inactive);
  } catch (const Error& e) {
    throw Error(Errc::bad_config, std::string("prune: ") + e.what());
  }
  const LoadReport load = runtime.index_cache(options.reindex);
  PruneReport report;
  {
    PruneOptions prune_options;
    prune_options.dry_run = options.dry_run;
    std::unique_ptr<Progress> bar;
    prune_options.progress = [&](std::uint64_t done, std::uint64_t total) {
      if (!bar) bar = std::make_unique<Progress>("prune", total);
      bar->update(done);
    };
    if (options.list) {
      // One line per entry: its file under cache_dir, when it was last read, its bytes.
      prune_options.removed = [&](const IndexedEntry& entry) {
        std::cout << runtime.store().relative_path(runtime.store().path_of_digest(entry.hex)) << ' '
                  << format_iso_date(entry.last_read) << ' ' << entry.bytes << '\n';
      };
    }
    report = prune_cache(runtime.store(), limits, runtime.clock(), prune_options);
  }
  if (options.json) {
    std::cout << Json()
                     .add("dry_run", options.dry_run)
                     .add("removed_entries", report.removed_entries)
                     .add("removed_bytes", report.removed_bytes)
                     .add("kept_entries", report.kept_entries)
                     .add("kept_bytes", report.kept_bytes)
                     .add("swept_files", load.swept_files)
                     .str()
              << '\n';
  } else {
    std::cout << (options.dry_run ? "would remove " : "removed ") << report.removed_entries
              << " entries (" << human_bytes(report.removed_bytes) << "), kept "
              << report.kept_entries << " entries (" << human_bytes(report.kept_bytes) << ")";
    if (load.swept_files) std::cout << ", swept " << load.swept_files << " leftover files";
    std::cout << '\n';
  }
  return 0;
}

}  // namespace

void add_prune_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<PruneCommandOptions>();
  CLI::App* command = app.add_subcommand("prune", "Remove idle and least-recently-read entries");
  command->add_option("--max-size", options->max_size, "Size limit (default: cache_max_size)");
  command->add_option("--inactive", options->inactive,
                      "Remove entries not read for this long (default: cache_inactive)");
  command->add_flag("-n,--dry-run", options->dry_run, "Only report what would be removed");
  command->add_flag("--list", options->list,
                    "Print each entry removed (or, with --dry-run, that would be): its file, "
                    "last read, bytes");
  command->add_flag("--reindex", options->reindex,
                    "Read the whole cache into its index first (after changing files by hand)");
  command->add_flag("--json", options->json, "One JSON object on stdout");
  run_when_chosen(command, options, context, run_prune);
}

}  // namespace imgcache
