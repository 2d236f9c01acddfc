// CacheIndex: what the cache holds, in one SQLite database beside the entries
// (<cache_dir>/.index.sqlite, WAL mode), shared by every process using the directory. One
// row per entry — its name, bytes on disk, last read, creation, content type and source —
// ordered by last read, so that keeping the cache within its limits costs what it evicts
// (SPEC §4, like nginx's keys_zone), and running totals so that `stats` is one small read.
//
// The files stay the source of truth. A row is written before an entry's files appear and
// erased after they are gone, so the index never misses an entry a crash leaves on disk;
// a row whose files are gone is harmless (removing it removes nothing). Reads are noted in
// memory and written in batches (flush_reads), never one write per hit. When the database
// file is deleted or replaced under a running process, its next use notices within a
// second and opens the new one; a database SQLite finds corrupt is removed and started
// again. A new database is not `loaded` until a walk of the tree (load_cache_index) has
// filled it. Thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/log.h"

struct sqlite3;

namespace imgcache {

struct IndexRow {
  std::string hex;  // the entry's name: MD5 of its key
  std::uint64_t bytes = 0;
  UnixTime last_read = 0;
  UnixTime created = 0;
  std::string content_type;
  std::int64_t source = 0;  // source_id of the key
};

// One entry in last-read order, as the pruner walks them.
struct IndexedEntry {
  std::string hex;
  std::uint64_t bytes = 0;
  UnixTime last_read = 0;
};

// Entries and bytes created in one hour (`hour`: Unix time / 3600) with one content type.
struct IndexCount {
  std::string content_type;
  UnixTime hour = 0;
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
};

// Entry names with a time each.
using ReadTimes = std::vector<std::pair<std::string, UnixTime>>;

struct IndexTotals {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
};

// What a key's source is, whatever the operation or variant: 64 bits of the MD5 of
// "<origin> /<path>" (nullopt if `key` is not a cache key).
std::optional<std::int64_t> source_id_of_key(std::string_view key);
std::int64_t source_id(const std::string& origin, std::string_view source_path);

// The index's file under a cache directory.
std::string index_path_of(const std::string& cache_root);

class CacheIndex {
 public:
  // Nothing is opened until first use. Failures of the database (locked past its wait,
  // unwritable, corrupt) are reported to `log`, at most once a minute, and throw
  // std::runtime_error.
  explicit CacheIndex(std::string path, LogSink log = nullptr);
  CacheIndex(const CacheIndex&) = delete;
  CacheIndex& operator=(const CacheIndex&) = delete;
  ~CacheIndex();

  const std::string& path() const { return path_; }

  // Each of these writes in one transaction.
  void put(const std::vector<IndexRow>& rows);
  void erase(const std::vector<std::string>& hexes);
  // Sets last_read, earlier or later (the pruner, after reading the file's own time).
  void set_last_read(const ReadTimes& reads);

  // Notes a read in memory (at most kPendingReads are kept; the files keep the time too).
  void note_read(const std::string& hex, UnixTime when);
  // Keeps a row that could not be written now (the database busy) for flush_reads; throws
  // std::length_error past kPendingReads rows.
  void put_later(const IndexRow& row);
  // Writes the rows kept for later and the noted reads (moving last_read only forward),
  // a thousand to a transaction; what fails to be written is kept.
  void flush_reads();

  // Up to `limit` entries after (last_read, hex) in last-read order; from the start when
  // `after` is empty.
  std::vector<IndexedEntry> least_recently_read(const std::optional<IndexedEntry>& after,
                                                std::size_t limit);
  std::vector<std::string> entries_of_source(std::int64_t source);
  IndexTotals totals();
  std::vector<IndexCount> counts();
  // Entries and bytes last read before `when`.
  IndexTotals read_before(UnixTime when);

  // Counts the databases this process has opened: a walk that ends in another generation
  // than it began in did not fill the database now in use.
  std::uint64_t generation();

  // Whether a walk of the tree has filled this database since it was created.
  bool loaded();
  void set_loaded(bool loaded);

  // Writes are visible to this many pending reads before the oldest are dropped.
  static constexpr std::size_t kPendingReads = 100000;
  static constexpr std::size_t kFlushBatch = 1000;

 private:
  sqlite3* connection();  // under mutex_
  void open();
  void close();
  void check_file();  // reopens when the file was deleted or replaced
  // Logs and throws; a database SQLite found corrupt (`code`) is removed first.
  [[noreturn]] void fail(const std::string& what, int code);
  void exec(const char* sql);
  template <typename F>
  void in_transaction(F body);
  template <typename F>
  auto reading(F body);
  std::int64_t type_id(const std::string& content_type);
  void write_reads(const ReadTimes& reads, bool forward_only);

  const std::string path_;
  mutable ThrottledLog log_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::chrono::steady_clock::time_point checked_{};
  bool opening_ = false;  // open() holds the open lock
  std::uint64_t generation_ = 0;
  std::map<std::string, std::int64_t> type_ids_;
  std::mutex pending_mutex_;
  std::unordered_map<std::string, UnixTime> pending_reads_;
  std::vector<IndexRow> pending_rows_;
};

}  // namespace imgcache
