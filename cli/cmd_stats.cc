// imgcache stats [--json]   — entries and bytes in the cache, by format and by age (to the
// hour), and how far the cache is from its limits: read from the cache index, so it takes
// milliseconds whatever the cache holds.
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/cache_index.h"

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
  void add(std::uint64_t more_entries, std::uint64_t more_bytes) {
    entries += more_entries;
    bytes += more_bytes;
  }
  Json json() const { return Json().add("entries", entries).add("bytes", bytes); }
};

int run_stats(const StatsOptions& options, const Context& context) {
  Runtime runtime(context.config_flags);
  const Config& config = runtime.config();
  const UnixTime now = runtime.clock().now();
  const bool complete = !runtime.index_cache().skipped;
  CacheIndex& index = runtime.store().index();
  Counts total, idle;
  std::map<std::string, Counts> by_format;
  std::map<std::string, Counts> by_age;
  for (const IndexCount& count : index.counts()) {
    total.add(count.entries, count.bytes);
    by_format[count.content_type].add(count.entries, count.bytes);
    // Ages to the hour: from the start of the hour the entries were created in.
    UnixTime age = now - count.hour * 3600;
    for (const AgeBucket& bucket : kAgeBuckets) {
      if (age < bucket.max_age) {
        by_age[bucket.name].add(count.entries, count.bytes);
        break;
      }
    }
  }
  const IndexTotals inactive = index.read_before(now - config.cache_inactive.count());
  idle.add(inactive.entries, inactive.bytes);
  const auto over =
      static_cast<std::int64_t>(total.bytes) - static_cast<std::int64_t>(config.cache_max_size);
  if (options.json) {
    Json formats, ages;
    for (const auto& [name, counts] : by_format) formats.add(name, counts.json());
    for (const AgeBucket& bucket : kAgeBuckets) ages.add(bucket.name, by_age[bucket.name].json());
    std::cout << Json()
                     .add("index_complete", complete)
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
  std::cout << "cache:    " << config.cache_dir
            << (complete ? "\n" : " (a responder is still reading it into its index)\n")
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
