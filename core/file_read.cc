#include "core/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace imgcache {

std::optional<std::string> read_whole_file(const std::string& path) {
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
  return bytes;
}

}  // namespace imgcache
