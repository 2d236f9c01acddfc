#include "core/cache_loader.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <system_error>
#include <thread>
#include <vector>

#include "core/cache_index.h"
#include "core/cache_scan.h"

namespace imgcache {
namespace {

// A write in progress is never older than this; older leftovers are abandoned.
constexpr UnixTime kLeftoverGrace = 600;
// Rows written to the index in one transaction.
constexpr std::size_t kBatch = 512;

bool writer_gone(const std::string& temp_path) {
  auto marker = temp_path.rfind(".tmp-");
  int pid = std::atoi(temp_path.c_str() + marker + 5);
  return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Spreads the walk so that it reads at most `rate` entries a second.
class Pace {
 public:
  explicit Pace(std::uint64_t rate) : rate_(rate), start_(std::chrono::steady_clock::now()) {}
  void after(std::uint64_t entries_so_far) const {
    if (rate_ == 0) return;
    auto due = start_ + std::chrono::microseconds(entries_so_far * 1000000 / rate_);
    std::this_thread::sleep_until(due);
  }

 private:
  std::uint64_t rate_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

LoadReport load_cache_index(CacheStore& store, const Clock& clock, const LoadOptions& options) {
  LoadReport report;
  auto walking = store.lock_named("loader", options.wait);
  if (!walking) {
    report.skipped = true;
    return report;
  }
  CacheIndex& index = store.index();
  const UnixTime now = clock.now();
  const Pace pace(options.rate);
  std::vector<IndexRow> batch;
  std::vector<EntryFiles> leftovers;
  auto write_batch = [&] {
    if (batch.empty()) return;
    index.put(batch);
    report.entries += batch.size();
    batch.clear();
    pace.after(report.entries);
  };
  bool stopped = false;
  scan_cache(store.root(), {[&](const EntryFiles& files) {
                              auto entry = files.has_body && files.has_meta
                                               ? store.read_entry(files.body_path)
                                               : std::nullopt;
                              if (!entry) {
                                if (now - files.modified > kLeftoverGrace)
                                  leftovers.push_back(files);
                                return;
                              }
                              batch.push_back({files.hex, files.disk_bytes, files.last_read,
                                               entry->meta.created, entry->meta.content_type,
                                               source_id_of_key(entry->meta.key).value_or(0)});
                              if (batch.size() >= kBatch) write_batch();
                            },
                            [&](const std::string& path, UnixTime modified) {
                              if ((writer_gone(path) || now - modified > kLeftoverGrace) &&
                                  ::unlink(path.c_str()) == 0) {
                                ++report.swept_files;
                              }
                            },
                            [&] { return stopped = options.stop && options.stop(); }});
  write_batch();
  for (const EntryFiles& leftover : leftovers) {
    try {
      // An entry written meanwhile is whole again and left alone.
      if (!store.read_entry(leftover.body_path) && store.remove_digest(leftover.hex, false)) {
        ++report.swept_files;
      }
    } catch (const std::system_error&) {
      // A leftover that cannot be removed (read-only directory…) stays.
    }
  }
  if (!stopped) {
    index.set_loaded(true);
    report.finished = true;
  }
  return report;
}

}  // namespace imgcache
