// CacheStore: the on-disk cache under cache_dir (SPEC §4). An entry is two files: the
// served bytes alone in the nginx-layout path (so a web server can send them itself) and
// a small "<path>.meta" text file beside it. Both appear atomically (temporary file in the
// same directory, then rename), body first; an entry whose meta does not name its key or
// whose body size differs is treated as absent, so a crash never serves a partial entry.
// Every entry has a row in the CacheIndex (written before its files, erased after them), and
// reads are noted there in batches. lock() serialises work on one key across threads and
// processes (flock). Cache files are
// read only if they are regular files (a .meta of at most kMaxMetaBytes): anything else
// there is a miss, logged, and never waited on. Thread-safe: all state is on disk.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cache_index.h"
#include "core/clock.h"
#include "core/file_read.h"
#include "core/log.h"

namespace imgcache {

struct EntryMeta {
  std::string key;
  std::string content_type;
  unsigned width = 0;
  unsigned height = 0;
  std::uint64_t size = 0;
  UnixTime created = 0;    // when these bytes were produced (Last-Modified)
  UnixTime validated = 0;  // when the origin last confirmed the source (for cache_valid)
  int status = 200;        // 404: a remembered origin 404 (cache_valid_404), no body
  std::string etag;        // strong ETag of the bytes, quoted
  std::string origin_etag;
  std::string origin_last_modified;
  std::string source_url;
};

struct CacheEntry {
  std::string path;  // the body file
  EntryMeta meta;
  UnixTime last_read = 0;  // the body's access time, kept by touch()
  FileIdentity meta_file;  // the .meta file `meta` was read from
};

// The .meta file beside a body file.
std::string meta_path_of(const std::string& body_path);

// A .meta larger than this is not read (nor written): a few hundred bytes are usual.
constexpr std::uint64_t kMaxMetaBytes = 64 * 1024;

// touch() writes a new access time only when the recorded one is older than this.
constexpr UnixTime kTouchInterval = 60;

class CacheStore {
 public:
  // Cache files that are there but refused (not regular files, too large) are reported
  // to `log`, at most once a minute.
  CacheStore(std::string root, std::vector<int> levels, LogSink log = nullptr);
  CacheStore(const CacheStore&) = delete;
  CacheStore& operator=(const CacheStore&) = delete;

  const std::string& root() const { return root_; }
  std::string path_for(std::string_view key) const;
  // The body file of the entry whose name (MD5 hex of its key) is hex.
  std::string path_of_digest(const std::string& hex) const;
  // A path under root relative to it ("c/29/b7f5…029c"); any other path as it is.
  std::string relative_path(const std::string& path) const;

  // Why the cache cannot take new entries, or "" if it can. A read-only or full cache
  // still serves (uncached), but that is a fault an operator must see. Full: less free
  // space than the lesser of 1 MB and 1% of the filesystem, or no free inode.
  std::string fault() const;

  // The complete entry for key, or nullopt.
  std::optional<CacheEntry> lookup(std::string_view key) const;
  // The complete entry whose body file is body_path, or nullopt.
  std::optional<CacheEntry> read_entry(const std::string& body_path) const;

  // Records a read of the entry at `now`: sets the body's access time explicitly, so it
  // is right on noatime and relatime mounts, at most once per kTouchInterval per entry,
  // and notes it for the index. True if it wrote one.
  bool touch(const CacheEntry& entry, UnixTime now) const;

  // The entry's bytes, or nullopt if the file is gone or no longer has the meta's size
  // (removed or replaced since lookup). With `body_file`, also the identity of the file
  // read.
  std::optional<std::string> read_body(const CacheEntry& entry,
                                       FileIdentity* body_file = nullptr) const;

  // Writes bytes and meta (size and key filled in) atomically; returns the entry.
  // Throws std::system_error when the disk refuses (full, read-only…).
  CacheEntry publish(std::string_view bytes, EntryMeta meta);

  // Rewrites only the meta of an existing entry (after a revalidation).
  void update_meta(const CacheEntry& entry);

  // Removes the entry's files under its key lock, then its index row; true if there was
  // one. Throws
  // std::system_error when a file or the lock cannot be removed or taken (read-only…).
  bool remove(std::string_view key);
  // The same by file name (MD5 hex). With wait = false an entry whose lock is held (being
  // written) is left alone and false returned.
  bool remove_digest(const std::string& hex, bool wait);
  // Removes each idle entry of `hexes` for which `still_doomed(hex)`, asked under the
  // entry's lock, is true, as remove_digest(hex, false) does, and their index rows in one
  // write; returns the names it removed (or found without files). An entry that is busy,
  // spared or cannot be removed (read-only…) is left, row and all.
  std::vector<std::string> remove_idle(const std::vector<std::string>& hexes,
                                       const std::function<bool(const std::string&)>& still_doomed);

  // Holds the per-key lock until destroyed.
  class KeyLock {
   public:
    explicit KeyLock(int fd) : fd_(fd) {}
    KeyLock(KeyLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    KeyLock(const KeyLock&) = delete;
    KeyLock& operator=(const KeyLock&) = delete;
    ~KeyLock();

   private:
    int fd_;
  };
  KeyLock lock(std::string_view key) const;
  // The lock of the key whose digest is hex; nullopt if busy and wait is false.
  std::optional<KeyLock> lock_digest(const std::string& hex, bool wait) const;
  // A cache-wide lock with its own name (e.g. "prune").
  std::optional<KeyLock> lock_named(const std::string& name, bool wait) const;

  CacheIndex& index() { return index_; }
  // True once an entry could not be recorded in the index (until a walk of the tree has
  // put it there: see load_cache_index).
  bool index_missed_entries() const { return index_missed_; }
  void set_index_missed_entries(bool missed) { index_missed_ = missed; }

 private:
  std::optional<KeyLock> lock_file(const std::string& name, bool wait) const;
  void forget(const std::vector<std::string>& hexes);
  // Under the entry's lock: true if there were files.
  bool unlink_entry(const std::string& hex);
  void refused(const std::string& path, const std::string& why) const;

  std::string root_;
  std::vector<int> levels_;
  mutable ThrottledLog log_;
  mutable CacheIndex index_;
  std::atomic<bool> index_missed_{false};
};

// Meta file text form, and its parser (nullopt when malformed).
std::string format_meta(const EntryMeta& meta);
std::optional<EntryMeta> parse_meta(std::string_view text);

}  // namespace imgcache
