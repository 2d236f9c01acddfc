#include "core/cache_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <system_error>

#include "core/cache_layout.h"
#include "core/file_read.h"

namespace imgcache {
namespace {

constexpr const char* kMetaSuffix = ".meta";
constexpr const char* kLockDir = ".locks";

// Keys share 4,096 lock files, by the first three hex digits of their digest.
std::string_view lock_name_of(std::string_view hex) { return hex.substr(0, 3); }

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write cache file");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Writes bytes to a temporary file beside `path` and renames it into place. A non-zero
// mtime becomes the file's modification time.
void write_atomically(const std::string& path, std::string_view bytes, UnixTime mtime = 0) {
  // The writer's pid in the name lets a restarted responder sweep what a dead one left.
  std::string temp = path + ".tmp-" + std::to_string(::getpid()) + "-XXXXXX";
  Fd file(::mkstemp(temp.data()));
  if (file.fd < 0) throw_errno("create cache file");
  try {
    write_all(file.fd, bytes);
    if (::fchmod(file.fd, 0644) != 0) throw_errno("chmod cache file");
    if (mtime != 0) {
      struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
      if (::futimens(file.fd, times) != 0) throw_errno("set cache file time");
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) throw_errno("rename cache file");
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

// The meta's text, refused (as a full disk would be) when it could not be read back.
std::string checked_meta_text(const EntryMeta& meta) {
  std::string text = format_meta(meta);
  if (text.size() > kMaxMetaBytes) {
    throw std::system_error(EFBIG, std::generic_category(), "cache meta over 64 KiB");
  }
  return text;
}

// True if it removed the file, false if there was none; throws if it is there and stays.
bool unlink_if_there(const std::string& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  throw_errno("remove cache file");
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// What a file of `size` bytes takes on disk, in whole blocks as the file system counts.
std::uint64_t blocks_for(std::uint64_t size) {
  constexpr std::uint64_t kBlock = 4096;
  return (size + kBlock - 1) / kBlock * kBlock;
}

}  // namespace

CacheStore::CacheStore(std::string root, std::vector<int> levels, LogSink log)
    : root_(without_trailing_slashes(std::move(root))),
      levels_(std::move(levels)),
      log_(log),
      index_(index_path_of(root_), std::move(log)) {}

std::string CacheStore::relative_path(const std::string& path) const {
  const std::string prefix = root_ == "/" ? root_ : root_ + '/';
  return path.starts_with(prefix) ? path.substr(prefix.size()) : path;
}

std::string CacheStore::fault() const {
  constexpr std::uint64_t kFullBelow = 1 << 20;
  if (::access(root_.c_str(), W_OK) != 0) return "cache_dir not writable";
  struct statvfs fs;
  if (::statvfs(root_.c_str(), &fs) != 0) return "";
  const std::uint64_t free_bytes = std::uint64_t{fs.f_bavail} * fs.f_frsize;
  const std::uint64_t floor = std::min(kFullBelow, std::uint64_t{fs.f_blocks} * fs.f_frsize / 100);
  const bool no_inode = fs.f_files > 0 && fs.f_favail == 0;
  return free_bytes < floor || no_inode ? "cache disk full" : "";
}

std::string CacheStore::path_for(std::string_view key) const {
  return path_of_digest(key_digest(key));
}

std::string CacheStore::path_of_digest(const std::string& hex) const {
  return entry_path(root_, levels_, hex);
}

std::optional<CacheEntry> CacheStore::lookup(std::string_view key) const {
  auto entry = read_entry(path_for(key));
  if (!entry || entry->meta.key != key) return std::nullopt;
  return entry;
}

std::string meta_path_of(const std::string& body_path) { return body_path + kMetaSuffix; }

void CacheStore::refused(const std::string& path, const std::string& why) const {
  log_.warn("cache-file", "cache file " + path + " refused (" + why + "), treated as a miss");
}

std::optional<CacheEntry> CacheStore::read_entry(const std::string& body_path) const {
  const std::string meta_path = meta_path_of(body_path);
  RegularFile text = read_regular_file(meta_path, kMaxMetaBytes);
  if (!text.refused.empty()) refused(meta_path, text.refused);
  if (text.too_large) refused(meta_path, "larger than " + std::to_string(kMaxMetaBytes) + " bytes");
  if (!text.bytes) return std::nullopt;
  auto meta = parse_meta(*text.bytes);
  if (!meta || key_digest(meta->key) != std::filesystem::path(body_path).filename().string()) {
    return std::nullopt;
  }
  // The body is the file itself, not what a link points to (the web server may be told
  // to send it).
  struct stat st;
  if (::lstat(body_path.c_str(), &st) != 0) return std::nullopt;
  if (!S_ISREG(st.st_mode)) {
    refused(body_path, "not a regular file");
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(st.st_size) != meta->size) return std::nullopt;
  CacheEntry entry;
  entry.path = body_path;
  entry.meta = std::move(*meta);
  entry.last_read = st.st_atime;
  entry.meta_file = text.identity;
  return entry;
}

bool CacheStore::touch(const CacheEntry& entry, UnixTime now) const {
  if (now - entry.last_read < kTouchInterval) return false;
  struct timespec times[2] = {{now, 0}, {0, UTIME_OMIT}};
  // Best effort: a read-only cache still serves.
  if (::utimensat(AT_FDCWD, entry.path.c_str(), times, 0) != 0) return false;
  index_.note_read(std::filesystem::path(entry.path).filename().string(), now);
  return true;
}

std::optional<std::string> CacheStore::read_body(const CacheEntry& entry,
                                                 FileIdentity* body_file) const {
  // Larger than the meta says: replaced since lookup, not refused.
  RegularFile body = read_regular_file(entry.path, entry.meta.size);
  if (!body.refused.empty()) refused(entry.path, body.refused);
  if (!body.bytes || body.bytes->size() != entry.meta.size) return std::nullopt;
  if (body_file) *body_file = body.identity;
  return std::move(body.bytes);
}

CacheEntry CacheStore::publish(std::string_view bytes, EntryMeta meta) {
  CacheEntry entry;
  entry.path = path_for(meta.key);
  meta.size = bytes.size();
  const std::string meta_text = checked_meta_text(meta);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(entry.path).parent_path(), ec);
  if (ec) throw std::system_error(ec, "create cache directory");
  const std::string hex = std::filesystem::path(entry.path).filename().string();
  // The row first: a crash between the two leaves a row without files, never files the
  // index does not know.
  const IndexRow row{hex,
                     blocks_for(bytes.size()) + blocks_for(meta_text.size()),
                     meta.created,
                     meta.created,
                     meta.content_type,
                     source_id_of_key(meta.key).value_or(0)};
  try {
    index_.put({row});
  } catch (const std::exception&) {
    // Logged by the index; the entry is still served and cached, and its row written later
    // (or, past what can wait in memory, by the next walk of the tree).
    try {
      index_.put_later(row);
    } catch (const std::length_error&) {
      index_missed_ = true;
    }
  }
  try {
    write_atomically(entry.path, bytes, meta.created);
    write_atomically(meta_path_of(entry.path), meta_text);
  } catch (...) {
    forget({hex});
    throw;
  }
  entry.meta = std::move(meta);
  return entry;
}

void CacheStore::forget(const std::vector<std::string>& hexes) {
  try {
    index_.erase(hexes);
  } catch (const std::exception&) {
    // A row without files is harmless: removing it removes nothing.
  }
}

void CacheStore::update_meta(const CacheEntry& entry) {
  write_atomically(meta_path_of(entry.path), checked_meta_text(entry.meta));
}

bool CacheStore::remove(std::string_view key) { return remove_digest(key_digest(key), true); }

bool CacheStore::unlink_entry(const std::string& hex) {
  std::string path = path_of_digest(hex);
  bool had_meta = unlink_if_there(meta_path_of(path));  // meta first: the entry vanishes
  bool had_body = unlink_if_there(path);
  return had_meta || had_body;
}

bool CacheStore::remove_digest(const std::string& hex, bool wait) {
  auto held = lock_digest(hex, wait);
  if (!held) return false;
  bool had_files = unlink_entry(hex);
  forget({hex});
  return had_files;
}

std::vector<std::string> CacheStore::remove_idle(
    const std::vector<std::string>& hexes,
    const std::function<bool(const std::string&)>& still_doomed) {
  std::vector<std::string> removed;
  // Held until the rows are gone too: an entry written again meanwhile keeps its new row.
  // One lock covers every key of its name's prefix: taken once for them all.
  std::map<std::string, std::optional<KeyLock>, std::less<>> held;
  for (const std::string& hex : hexes) {
    try {
      auto lock = held.find(lock_name_of(hex));
      if (lock == held.end()) lock = held.emplace(lock_name_of(hex), lock_digest(hex, false)).first;
      if (!lock->second || !still_doomed(hex)) continue;
      unlink_entry(hex);
      removed.push_back(hex);
    } catch (const std::system_error&) {
      // Left as it is, like a busy entry.
    }
  }
  forget(removed);
  return removed;
}

CacheStore::KeyLock CacheStore::lock(std::string_view key) const {
  return *lock_digest(key_digest(key), true);
}

std::optional<CacheStore::KeyLock> CacheStore::lock_digest(const std::string& hex,
                                                           bool wait) const {
  return lock_file(std::string(lock_name_of(hex)), wait);
}

std::optional<CacheStore::KeyLock> CacheStore::lock_named(const std::string& name,
                                                          bool wait) const {
  return lock_file(name, wait);
}

// Lock files are opened read-only (enough for flock), so a lock file created by another
// user of the cache directory still works. Like every cache file, a lock is used only if it
// is a regular file: opening neither follows a link (nor creates a file where it points)
// nor waits on a FIFO.
std::optional<CacheStore::KeyLock> CacheStore::lock_file(const std::string& name, bool wait) const {
  constexpr int kFlags = O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
  std::string dir = root_ + "/" + kLockDir;
  std::string path = dir + "/" + name;
  int fd = ::open(path.c_str(), kFlags, 0644);
  if (fd < 0 && errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    fd = ::open(path.c_str(), kFlags, 0644);
  }
  if (fd < 0) throw_errno("open cache lock " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::system_error(EINVAL, std::generic_category(),
                            "cache lock " + path + " is not a regular file");
  }
  while (::flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    if (error == EINTR) continue;
    ::close(fd);
    if (error == EWOULDBLOCK) return std::nullopt;
    errno = error;
    throw_errno("lock cache key");
  }
  return KeyLock(fd);
}

CacheStore::KeyLock::~KeyLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

std::string format_meta(const EntryMeta& meta) {
  std::ostringstream out;
  out << "key=" << meta.key << "\n"
      << "content_type=" << meta.content_type << "\n"
      << "width=" << meta.width << "\n"
      << "height=" << meta.height << "\n"
      << "size=" << meta.size << "\n"
      << "created=" << meta.created << "\n"
      << "validated=" << meta.validated << "\n"
      << "status=" << meta.status << "\n"
      << "etag=" << meta.etag << "\n"
      << "origin_etag=" << meta.origin_etag << "\n"
      << "origin_last_modified=" << meta.origin_last_modified << "\n"
      << "source_url=" << meta.source_url << "\n";
  return out.str();
}

std::optional<EntryMeta> parse_meta(std::string_view text) {
  EntryMeta meta;
  int seen = 0;
  while (!text.empty()) {
    auto newline = text.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;  // truncated
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view name = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
    bool ok = true;
    if (name == "key")
      meta.key = value;
    else if (name == "content_type")
      meta.content_type = value;
    else if (name == "width")
      ok = parse_number(value, meta.width);
    else if (name == "height")
      ok = parse_number(value, meta.height);
    else if (name == "size")
      ok = parse_number(value, meta.size);
    else if (name == "created")
      ok = parse_number(value, meta.created);
    else if (name == "validated")
      ok = parse_number(value, meta.validated);
    else if (name == "status") {
      if (!parse_number(value, meta.status)) return std::nullopt;
      continue;  // optional: absent in entries written before it existed
    } else if (name == "etag")
      meta.etag = value;
    else if (name == "origin_etag")
      meta.origin_etag = value;
    else if (name == "origin_last_modified")
      meta.origin_last_modified = value;
    else if (name == "source_url")
      meta.source_url = value;
    else
      continue;  // written by a newer version
    if (!ok) return std::nullopt;
    ++seen;
  }
  if (seen < 11 || meta.key.empty() || meta.content_type.empty()) return std::nullopt;
  return meta;
}

}  // namespace imgcache
