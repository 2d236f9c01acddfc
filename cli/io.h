// File helpers for the CLI: whole-file reads and writes where "-" means stdin/stdout.
// Failures throw Error(bad_request) naming the file.
#pragma once

#include <string>
#include <string_view>

namespace imgcache {

std::string read_input(const std::string& path);
void write_output(const std::string& path, std::string_view bytes);

}  // namespace imgcache
