// Reading a whole file with the fewest system calls: open, fstat, one read of the size
// fstat gave (more only if the file grew meanwhile), close. For cache entries on the hit
// path and files the CLI reads.
#pragma once

#include <optional>
#include <string>

namespace imgcache {

// The file's bytes, or nullopt if it cannot be opened or read.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace imgcache
