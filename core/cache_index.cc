#include "core/cache_index.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/digest.h"
#include "core/url_parts.h"

namespace imgcache {
namespace {

// How long a write waits for another process's write to finish. Writers hold the
// database for one batch at a time (a few milliseconds).
constexpr int kBusyWaitMs = 2000;
// Pages kept in memory per process (negative: KiB), whatever the number of entries.
constexpr const char* kPageCache = "PRAGMA cache_size = -8192";
// How often a process checks that the file it has open is still the index.
constexpr auto kFileCheckInterval = std::chrono::seconds(1);

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries(
  digest BLOB PRIMARY KEY NOT NULL,
  bytes INTEGER NOT NULL,
  last_read INTEGER NOT NULL,
  created INTEGER NOT NULL,
  type INTEGER NOT NULL,
  source INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_last_read ON entries(last_read);
CREATE INDEX IF NOT EXISTS entries_by_source ON entries(source);
CREATE TABLE IF NOT EXISTS types(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS totals(
  type INTEGER NOT NULL, hour INTEGER NOT NULL,
  entries INTEGER NOT NULL, bytes INTEGER NOT NULL,
  PRIMARY KEY(type, hour)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state(name TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS entries_in AFTER INSERT ON entries BEGIN
  INSERT INTO totals VALUES(new.type, new.created / 3600, 1, new.bytes)
    ON CONFLICT(type, hour) DO UPDATE SET entries = entries + 1, bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER IF NOT EXISTS entries_out AFTER DELETE ON entries BEGIN
  UPDATE totals SET entries = entries - 1, bytes = bytes - old.bytes
    WHERE type = old.type AND hour = old.created / 3600;
END;
CREATE TRIGGER IF NOT EXISTS entries_changed AFTER UPDATE OF bytes, created, type ON entries BEGIN
  UPDATE totals SET entries = entries - 1, bytes = bytes - old.bytes
    WHERE type = old.type AND hour = old.created / 3600;
  INSERT INTO totals VALUES(new.type, new.created / 3600, 1, new.bytes)
    ON CONFLICT(type, hour) DO UPDATE SET entries = entries + 1, bytes = bytes + excluded.bytes;
END;
)sql";

int nibble(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

// The 16 bytes of a 32-character hex name.
std::string digest_bytes(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

std::int64_t id_of_source(const std::string& source) {
  std::string digest = md5(source);
  std::int64_t id = 0;
  std::memcpy(&id, digest.data(), sizeof id);
  return id;
}

// One prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db));
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(statement_); }

  Statement& bind(int column, std::int64_t value) {
    check(sqlite3_bind_int64(statement_, column, value));
    return *this;
  }
  Statement& bind_text(int column, const std::string& text) {
    check(sqlite3_bind_text(statement_, column, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind_blob(int column, const std::string& bytes) {
    check(sqlite3_bind_blob(statement_, column, bytes.data(), static_cast<int>(bytes.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(sqlite3_errmsg(db_));
  }
  void run() {
    step();
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(statement_, column);
    return data ? std::string(reinterpret_cast<const char*>(data),
                              static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
                : std::string();
  }
  std::string hex(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(statement_, column));
    return to_hex(
        std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))));
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

// Holds an exclusive flock on a file beside the index while it is opened or created, so
// that two processes never both start a new database (nor remove each other's journal).
class OpenLock {
 public:
  // Like every cache file, used only if it is a regular file: opening it neither follows
  // a link nor waits on a FIFO.
  explicit OpenLock(const std::string& path)
      : fd_(::open(path.c_str(),
                   O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644)) {
    if (fd_ < 0) throw std::runtime_error("cache index lock " + path + ": " + std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw std::runtime_error("cache index lock " + path + " is not a regular file");
    }
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  OpenLock(const OpenLock&) = delete;
  OpenLock& operator=(const OpenLock&) = delete;
  ~OpenLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_;
};

// SQLite's URI form of a path.
std::string file_uri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      constexpr char kHex[] = "0123456789abcdef";
      uri += '%';
      uri += kHex[(c >> 4) & 0xf];
      uri += kHex[c & 0xf];
    } else {
      uri += c;
    }
  }
  return uri;
}

}  // namespace

std::optional<std::int64_t> source_id_of_key(std::string_view key) {
  // "<origin> <operation>[ auto-webp] /<path>"
  auto origin_end = key.find(' ');
  if (origin_end == std::string_view::npos) return std::nullopt;
  auto path_start = key.find(" /", origin_end + 1);
  if (path_start == std::string_view::npos) return std::nullopt;
  std::string source(key.substr(0, origin_end));
  source += key.substr(path_start);
  return id_of_source(source);
}

std::int64_t source_id(const std::string& origin, std::string_view source_path) {
  return id_of_source(without_credentials(origin) + " /" + std::string(source_path));
}

std::string index_path_of(const std::string& cache_root) { return cache_root + "/.index.sqlite"; }

CacheIndex::CacheIndex(std::string path, LogSink log)
    : path_(std::move(path)), log_(std::move(log)) {}

CacheIndex::~CacheIndex() { close(); }

void CacheIndex::close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
  type_ids_.clear();
}

void CacheIndex::fail(const std::string& what, int code) {
  std::string message = "cache index " + path_ + ": " + what;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    // Removed and started again from nothing: the next walk of the tree fills it. Under the
    // open lock (which open() already holds), so no other process's new database goes.
    close();
    std::optional<OpenLock> lock;
    if (!opening_) lock.emplace(path_ + ".lock");
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
    message += " (removed; it is rebuilt from the files)";
  }
  log_.warn("cache-index", message);
  throw std::runtime_error(message);
}

void CacheIndex::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string what = error ? error : "error";
    sqlite3_free(error);
    fail(what, sqlite3_errcode(db_));
  }
}

// Whether a read works on the connection just opened.
static bool readable(sqlite3* db) {
  return sqlite3_exec(db, "SELECT count(*) FROM state", nullptr, nullptr, nullptr) == SQLITE_OK;
}

void CacheIndex::open() {
  std::optional<OpenLock> lock;
  try {
    lock.emplace(path_ + ".lock");
  } catch (const std::runtime_error& e) {
    log_.warn("cache-index", e.what());
    throw;
  }
  opening_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{opening_};
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    // A journal left by a database that is gone would be replayed into the new one.
    ::unlink((path_ + "-wal").c_str());
    ::unlink((path_ + "-shm").c_str());
  }
  // On a read-only cache the index is only read: what is there answers, and every write
  // fails as the cache's own writes do. A reader that may not write the shared memory of
  // a live database reads it as a file that does not change, as on a read-only mount.
  const bool read_only = ::access(path_.c_str(), W_OK) != 0 && (errno == EACCES || errno == EROFS);
  const int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW |
                    (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  for (const char* query : read_only ? std::vector<const char*>{"?mode=ro", "?immutable=1"}
                                     : std::vector<const char*>{""}) {
    close();
    if (sqlite3_open_v2((file_uri(path_) + query).c_str(), &db_, flags, nullptr) == SQLITE_OK &&
        (!read_only || readable(db_))) {
      break;
    }
  }
  if (!db_ || sqlite3_errcode(db_) != SQLITE_OK) {
    std::string what = db_ ? sqlite3_errmsg(db_) : "cannot open";
    close();
    log_.warn("cache-index", "cache index " + path_ + ": " + what);
    throw std::runtime_error("cache index " + path_ + ": " + what);
  }
  sqlite3_busy_timeout(db_, kBusyWaitMs);
  // Closing a connection then leaves the journal files alone: they may be a newer
  // database's by then, if this one was deleted while open.
  int persist = 1;
  sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  if (!read_only) {
    exec("PRAGMA journal_mode = WAL");
    exec(kSchema);
  }
  exec("PRAGMA synchronous = NORMAL");
  exec(kPageCache);
  if (::stat(path_.c_str(), &st) == 0) {
    device_ = st.st_dev;
    inode_ = st.st_ino;
  }
  checked_ = std::chrono::steady_clock::now();
  ++generation_;
}

void CacheIndex::check_file() {
  auto now = std::chrono::steady_clock::now();
  if (now - checked_ < kFileCheckInterval) return;
  checked_ = now;
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0 || st.st_dev != device_ || st.st_ino != inode_) {
    log_.warn("cache-index-replaced",
              "cache index " + path_ + " was removed or replaced; reopened");
    close();
  }
}

sqlite3* CacheIndex::connection() {
  if (db_) check_file();
  if (!db_) open();
  return db_;
}

std::uint64_t CacheIndex::generation() {
  std::lock_guard lock(mutex_);
  connection();
  return generation_;
}

template <typename F>
void CacheIndex::in_transaction(F body) {
  connection();
  exec("BEGIN IMMEDIATE");
  try {
    body();
    Statement(db_, "COMMIT").run();
  } catch (const std::exception& e) {
    const int code = sqlite3_errcode(db_);  // before the rollback resets it
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    type_ids_.clear();  // ids written in the transaction are gone with it
    fail(e.what(), code);
  }
}

template <typename F>
auto CacheIndex::reading(F body) {
  connection();
  try {
    return body();
  } catch (const std::exception& e) {
    fail(e.what(), sqlite3_errcode(db_));
  }
}

std::int64_t CacheIndex::type_id(const std::string& content_type) {
  if (auto found = type_ids_.find(content_type); found != type_ids_.end()) return found->second;
  Statement insert(db_, "INSERT OR IGNORE INTO types(name) VALUES(?1)");
  insert.bind_text(1, content_type).run();
  Statement select(db_, "SELECT id FROM types WHERE name = ?1");
  select.bind_text(1, content_type);
  if (!select.step()) throw std::runtime_error("content type not recorded");
  return type_ids_[content_type] = select.integer(0);
}

void CacheIndex::put(const std::vector<IndexRow>& rows) {
  std::lock_guard lock(mutex_);
  in_transaction([&] {
    Statement upsert(db_,
                     "INSERT INTO entries VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(digest) DO "
                     "UPDATE SET bytes = excluded.bytes, last_read = excluded.last_read, "
                     "created = excluded.created, type = excluded.type, source = excluded.source "
                     "WHERE (bytes, last_read, created, type, source) IS NOT (excluded.bytes, "
                     "excluded.last_read, excluded.created, excluded.type, excluded.source)");
    for (const IndexRow& row : rows) {
      std::int64_t type = type_id(row.content_type);
      upsert.bind_blob(1, digest_bytes(row.hex))
          .bind(2, static_cast<std::int64_t>(row.bytes))
          .bind(3, row.last_read)
          .bind(4, row.created)
          .bind(5, type)
          .bind(6, row.source)
          .run();
    }
  });
}

void CacheIndex::erase(const std::vector<std::string>& hexes) {
  if (hexes.empty()) return;
  std::lock_guard lock(mutex_);
  in_transaction([&] {
    Statement remove(db_, "DELETE FROM entries WHERE digest = ?1");
    for (const std::string& hex : hexes) remove.bind_blob(1, digest_bytes(hex)).run();
  });
}

void CacheIndex::write_reads(const ReadTimes& reads, bool forward_only) {
  if (reads.empty()) return;
  std::lock_guard lock(mutex_);
  in_transaction([&] {
    Statement update(db_, forward_only ? "UPDATE entries SET last_read = ?2 WHERE digest = ?1 "
                                         "AND last_read < ?2"
                                       : "UPDATE entries SET last_read = ?2 WHERE digest = ?1");
    for (const auto& [hex, when] : reads)
      update.bind_blob(1, digest_bytes(hex)).bind(2, when).run();
  });
}

void CacheIndex::set_last_read(const ReadTimes& reads) { write_reads(reads, false); }

void CacheIndex::note_read(const std::string& hex, UnixTime when) {
  std::lock_guard lock(pending_mutex_);
  if (pending_reads_.size() >= kPendingReads && !pending_reads_.contains(hex)) return;
  UnixTime& noted = pending_reads_[hex];
  noted = std::max(noted, when);
}

void CacheIndex::put_later(const IndexRow& row) {
  std::lock_guard lock(pending_mutex_);
  if (pending_rows_.size() >= kPendingReads) throw std::length_error("too many rows waiting");
  pending_rows_.push_back(row);
}

void CacheIndex::flush_reads() {
  std::vector<IndexRow> rows;
  std::unordered_map<std::string, UnixTime> pending;
  {
    std::lock_guard lock(pending_mutex_);
    rows.swap(pending_rows_);
    pending.swap(pending_reads_);
  }
  const ReadTimes reads(pending.begin(), pending.end());
  // In short transactions, so that no other process waits long for the database; what is
  // not written is kept for the next time.
  std::size_t written_rows = 0, written_reads = 0;
  try {
    for (; written_rows < rows.size(); written_rows += kFlushBatch) {
      put({rows.begin() + written_rows,
           rows.begin() + std::min(rows.size(), written_rows + kFlushBatch)});
    }
    for (; written_reads < reads.size(); written_reads += kFlushBatch) {
      write_reads({reads.begin() + written_reads,
                   reads.begin() + std::min(reads.size(), written_reads + kFlushBatch)},
                  true);
    }
  } catch (const std::exception&) {
    std::lock_guard lock(pending_mutex_);
    pending_rows_.insert(pending_rows_.end(), rows.begin() + written_rows, rows.end());
    for (auto read = reads.begin() + written_reads; read != reads.end(); ++read) {
      UnixTime& noted = pending_reads_[read->first];
      noted = std::max(noted, read->second);
    }
    throw;
  }
}

std::vector<IndexedEntry> CacheIndex::least_recently_read(const std::optional<IndexedEntry>& after,
                                                          std::size_t limit) {
  std::lock_guard lock(mutex_);
  return reading([&] {
    Statement select(db_,
                     "SELECT digest, bytes, last_read FROM entries WHERE (last_read, digest) > "
                     "(?1, ?2) ORDER BY last_read, digest LIMIT ?3");
    select.bind(1, after ? after->last_read : INT64_MIN)
        .bind_blob(2, after ? digest_bytes(after->hex) : std::string())
        .bind(3, static_cast<std::int64_t>(limit));
    std::vector<IndexedEntry> out;
    while (select.step()) {
      out.push_back(
          {select.hex(0), static_cast<std::uint64_t>(select.integer(1)), select.integer(2)});
    }
    return out;
  });
}

std::vector<std::string> CacheIndex::entries_of_source(std::int64_t source) {
  std::lock_guard lock(mutex_);
  return reading([&] {
    Statement select(db_, "SELECT digest FROM entries WHERE source = ?1");
    select.bind(1, source);
    std::vector<std::string> out;
    while (select.step()) out.push_back(select.hex(0));
    return out;
  });
}

IndexTotals CacheIndex::totals() {
  IndexTotals out;
  for (const IndexCount& count : counts()) {
    out.entries += count.entries;
    out.bytes += count.bytes;
  }
  return out;
}

std::vector<IndexCount> CacheIndex::counts() {
  std::lock_guard lock(mutex_);
  return reading([&] {
    Statement select(db_,
                     "SELECT types.name, hour, entries, totals.bytes FROM totals JOIN types ON "
                     "types.id = totals.type WHERE entries > 0");
    std::vector<IndexCount> out;
    while (select.step()) {
      out.push_back({select.text(0), select.integer(1),
                     static_cast<std::uint64_t>(select.integer(2)),
                     static_cast<std::uint64_t>(select.integer(3))});
    }
    return out;
  });
}

IndexTotals CacheIndex::read_before(UnixTime when) {
  std::lock_guard lock(mutex_);
  return reading([&] {
    Statement select(db_,
                     "SELECT count(*), coalesce(sum(bytes), 0) FROM entries WHERE last_read < ?1");
    select.bind(1, when).step();
    return IndexTotals{static_cast<std::uint64_t>(select.integer(0)),
                       static_cast<std::uint64_t>(select.integer(1))};
  });
}

bool CacheIndex::loaded() {
  std::lock_guard lock(mutex_);
  return reading([&] {
    Statement select(db_, "SELECT value FROM state WHERE name = 'loaded'");
    return select.step() && select.integer(0) == 1;
  });
}

void CacheIndex::set_loaded(bool loaded) {
  std::lock_guard lock(mutex_);
  in_transaction([&] {
    Statement upsert(db_, "INSERT OR REPLACE INTO state VALUES('loaded', ?1)");
    upsert.bind(1, loaded ? 1 : 0).run();
  });
}

}  // namespace imgcache
