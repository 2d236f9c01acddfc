#include "core/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <system_error>

namespace imgcache {
namespace {

std::int64_t nanoseconds(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

FileIdentity FileIdentity::of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::int64_t>(st.st_size), nanoseconds(st.st_mtim), nanoseconds(st.st_ctim)};
}

std::optional<FileIdentity> file_identity(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity::of(st);
}

namespace {

enum class Outcome { read, failed, too_large };

// Reads the open file whole into `bytes`, stopping once it is known to hold more than
// max_bytes. `st` is its fstat.
Outcome read_open_file(int fd, const struct stat& st, std::uint64_t max_bytes, std::string& bytes) {
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) return Outcome::too_large;
  // One byte more than the size, so the read that fills it also shows the end of the file.
  bytes.resize(static_cast<std::size_t>(size) + 1);
  std::size_t filled = 0;
  for (;;) {
    ssize_t n = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Outcome::failed;
    filled += static_cast<std::size_t>(n);
    if (filled > max_bytes) return Outcome::too_large;
    // A regular file that ends before the buffer does has been read whole.
    if (n == 0 || filled < bytes.size()) break;
    // It grew since fstat.
    bytes.resize(
        static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size() * 2, max_bytes + 1)));
  }
  bytes.resize(filled);
  return Outcome::read;
}

}  // namespace

std::optional<std::string> read_whole_file(const std::string& path, FileIdentity* identity) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st;
  std::string bytes;
  bool ok =
      ::fstat(fd, &st) == 0 &&
      read_open_file(fd, st, std::numeric_limits<std::uint64_t>::max() / 4, bytes) == Outcome::read;
  ::close(fd);
  if (!ok) return std::nullopt;
  if (identity) *identity = FileIdentity::of(st);
  return bytes;
}

RegularFile read_regular_file(const std::string& path, std::uint64_t max_bytes) {
  RegularFile out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ELOOP)
      out.refused = "not a regular file (a symbolic link)";
    else if (errno != ENOENT && errno != ENOTDIR)
      out.refused = std::generic_category().message(errno);
    return out;
  }
  struct stat st;
  std::string bytes;
  if (::fstat(fd, &st) != 0) {
    out.refused = std::generic_category().message(errno);
  } else if (!S_ISREG(st.st_mode)) {
    out.refused = "not a regular file";
  } else {
    switch (read_open_file(fd, st, max_bytes, bytes)) {
      case Outcome::read:
        out.bytes = std::move(bytes);
        out.identity = FileIdentity::of(st);
        break;
      case Outcome::too_large:
        out.too_large = true;
        break;
      case Outcome::failed:
        out.refused = std::generic_category().message(errno);
        break;
    }
  }
  ::close(fd);
  return out;
}

}  // namespace imgcache
