#include "core/cache_loader.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <functional>
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
  // Waits until `entries_so_far` are due, or `stop` says to stop (asked every 100 ms).
  void after(std::uint64_t entries_so_far, const std::function<bool()>& stop) const {
    if (rate_ == 0) return;
    const auto due = start_ + std::chrono::microseconds(entries_so_far * 1000000 / rate_);
    while (std::chrono::steady_clock::now() < due && !(stop && stop())) {
      std::this_thread::sleep_until(
          std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
    }
  }

 private:
  std::uint64_t rate_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

LoadReport load_cache_index(CacheStore& store, const Clock& clock, const LoadOptions& options) {
  LoadReport report;
  auto walking = store.lock_named("loader", false);
  if (!walking) {
    report.skipped = true;
    return report;
  }
  CacheIndex& index = store.index();
  const std::uint64_t generation = index.generation();
  const UnixTime now = clock.now();
  const Pace pace(options.rate);
  std::vector<IndexRow> batch;
  std::vector<EntryFiles> leftovers;
  auto write_batch = [&] {
    if (batch.empty()) return;
    index.put(batch);
    // An entry removed between its reading and its row's writing would keep a row with
    // nothing behind it: such rows go again (a removal after this check erases its own).
    std::vector<std::string> gone;
    struct stat st;
    for (const IndexRow& row : batch) {
      if (::lstat(store.path_of_digest(row.hex).c_str(), &st) != 0) gone.push_back(row.hex);
    }
    index.erase(gone);
    report.entries += batch.size() - gone.size();
    batch.clear();
    pace.after(report.entries, options.stop);
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
  std::vector<std::string> leftover_names;
  for (const EntryFiles& leftover : leftovers) leftover_names.push_back(leftover.hex);
  // Asked again under each entry's lock: one whose write has completed meanwhile stays.
  report.swept_files += store
                            .remove_idle(leftover_names,
                                         [&](const std::string& hex) {
                                           return !store.read_entry(store.path_of_digest(hex));
                                         })
                            .size();
  // A database replaced during the walk (deleted, found corrupt) holds only what came after.
  if (!stopped && index.generation() == generation) {
    index.set_loaded(true);
    report.finished = true;
  }
  return report;
}

}  // namespace imgcache
