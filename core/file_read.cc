#include "core/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity::of(st);
}

std::optional<std::string> read_whole_file(const std::string& path, FileIdentity* identity) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st;
  std::string bytes;
  bool ok = ::fstat(fd, &st) == 0;
  // One byte more than the size, so the read that fills it also shows the end of the file.
  if (ok) bytes.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t filled = 0;
  while (ok) {
    ssize_t n = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = false;
      break;
    }
    filled += static_cast<std::size_t>(n);
    // A regular file that ends before the buffer does has been read whole.
    if (n == 0 || filled < bytes.size()) break;
    bytes.resize(bytes.size() * 2);  // it grew since fstat
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  bytes.resize(filled);
  if (identity) *identity = FileIdentity::of(st);
  return bytes;
}

}  // namespace imgcache
