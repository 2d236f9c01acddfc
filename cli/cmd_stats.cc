// imgcache stats [--json]   — entries and bytes in the cache, by format and by age, and
// how far the cache is from its limits.
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/cache_scan.h"

namespace imgcache {
namespace {

struct StatsOptions {
  bool json = false;
};

struct AgeBucket {
  const char* name;
  UnixTime max_age;
};
constexpr AgeBucket kAgeBuckets[] = {
    {"1h", 3600}, {"1d", 86400}, {"7d", 7 * 86400}, {"30d", 30 * 86400}, {"older", INT64_MAX}};

struct Counts {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  void add(std::uint64_t b) {
    ++entries;
    bytes += b;
  }
  Json json() const { return Json().add("entries", entries).add("bytes", bytes); }
};

int run_stats(const StatsOptions& options, const Context& context) {
  Runtime runtime(context.config_flags);
  const Config& config = runtime.config();
  const UnixTime now = runtime.clock().now();
  Counts total, idle;
  std::map<std::string, Counts> by_format;
  std::map<std::string, Counts> by_age;
  scan_cache(runtime.store().root(), {[&](const EntryFiles& files) {
                                        auto entry = runtime.store().read_entry(files.body_path);
                                        if (!entry) return;
                                        total.add(files.disk_bytes);
                                        by_format[entry->meta.content_type].add(files.disk_bytes);
                                        UnixTime age = now - entry->meta.created;
                                        for (const AgeBucket& bucket : kAgeBuckets) {
                                          if (age < bucket.max_age) {
                                            by_age[bucket.name].add(files.disk_bytes);
                                            break;
                                          }
                                        }
                                        if (now - files.last_read > config.cache_inactive.count()) {
                                          idle.add(files.disk_bytes);
                                        }
                                      },
                                      nullptr});
  const auto over =
      static_cast<std::int64_t>(total.bytes) - static_cast<std::int64_t>(config.cache_max_size);
  if (options.json) {
    Json formats, ages;
    for (const auto& [name, counts] : by_format) formats.add(name, counts.json());
    for (const AgeBucket& bucket : kAgeBuckets) ages.add(bucket.name, by_age[bucket.name].json());
    std::cout << Json()
                     .add("entries", total.entries)
                     .add("bytes", total.bytes)
                     .add("max_size", config.cache_max_size)
                     .add("over_max_size_bytes", over)
                     .add("inactive_entries", idle.entries)
                     .add("inactive_bytes", idle.bytes)
                     .add("by_format", formats)
                     .add("by_age", ages)
                     .str()
              << '\n';
    return 0;
  }
  std::cout << "cache:    " << config.cache_dir << '\n'
            << "entries:  " << total.entries << ", " << human_bytes(total.bytes) << " of "
            << human_bytes(config.cache_max_size) << " ("
            << (over > 0 ? human_bytes(static_cast<std::uint64_t>(over)) + " over"
                         : human_bytes(static_cast<std::uint64_t>(-over)) + " under")
            << " the limit)\n"
            << "inactive: " << idle.entries << " entries, " << human_bytes(idle.bytes)
            << " not read for " << format_duration(config.cache_inactive) << '\n'
            << "by format:\n";
  for (const auto& [name, counts] : by_format) {
    std::cout << "  " << name << ": " << counts.entries << ", " << human_bytes(counts.bytes)
              << '\n';
  }
  std::cout << "by age (created):\n";
  for (const AgeBucket& bucket : kAgeBuckets) {
    const Counts& counts = by_age[bucket.name];
    std::cout << "  " << (bucket.max_age == INT64_MAX ? "older" : "< " + std::string(bucket.name))
              << ": " << counts.entries << ", " << human_bytes(counts.bytes) << '\n';
  }
  return 0;
}

}  // namespace

void add_stats_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* command = app.add_subcommand("stats", "Summarise the cache");
  command->add_flag("--json", options->json, "One JSON object on stdout");
  run_when_chosen(command, options, context, run_stats);
}

}  // namespace imgcache
