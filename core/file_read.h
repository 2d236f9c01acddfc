// Reading a whole file with the fewest system calls: open, fstat, one read of the size
// fstat gave (more only if the file grew meanwhile), close. read_regular_file is for files
// in the cache directory, which are read only if they are regular files of bounded size
// (never a link, FIFO or device, never blocking); read_whole_file for any file the CLI is
// given. FileIdentity tells whether a path still names the file that was read.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>

namespace imgcache {

// One file as it was: a file replaced under the same name (rename), rewritten, or whose
// times were set has another identity. The change time cannot be set by anyone, so a new
// file given a freed inode number looks the same only if it also has the same size and
// times to the kernel's clock tick.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = -1;
  std::int64_t modified_ns = 0;
  std::int64_t changed_ns = 0;

  static FileIdentity of(const struct stat& st);
  bool operator==(const FileIdentity&) const = default;
};

// The identity of the file at path now (one lstat: a symbolic link is not the file it
// points to), or nullopt if there is none.
std::optional<FileIdentity> file_identity(const std::string& path);

// The file's bytes, or nullopt if it cannot be opened or read. With `identity`, also the
// identity of the file the bytes came from.
std::optional<std::string> read_whole_file(const std::string& path,
                                           FileIdentity* identity = nullptr);

struct RegularFile {
  std::optional<std::string> bytes;  // the whole file; nullopt if absent or refused
  FileIdentity identity;             // of the file read
  bool too_large = false;            // a regular file of more than max_bytes
  std::string refused;  // why else a file that is there was not read ("not a regular file"…)
};

// The bytes of the regular file at path, if it has at most max_bytes. The path itself must
// name the file (O_NOFOLLOW): a symbolic link, FIFO, socket, device or directory is
// refused without waiting on it (O_NONBLOCK), as is a larger file, or one that grows past
// max_bytes while it is read.
RegularFile read_regular_file(const std::string& path, std::uint64_t max_bytes);

}  // namespace imgcache
