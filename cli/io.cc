#include "cli/io.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/error.h"
#include "core/file_read.h"

namespace imgcache {

std::string read_input(const std::string& path) {
  if (path == "-") {
    std::ostringstream out;
    out << std::cin.rdbuf();
    return out.str();
  }
  auto bytes = read_whole_file(path);
  if (!bytes) throw Error(Errc::bad_request, path + ": cannot read");
  return std::move(*bytes);
}

void write_output(const std::string& path, std::string_view bytes) {
  if (path == "-") {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    return;
  }
  // Written beside the target and renamed, so a failure leaves no partial file.
  std::string temp = path + ".part";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::remove(temp.c_str());
      throw Error(Errc::bad_request, path + ": cannot write");
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw Error(Errc::bad_request, path + ": cannot write");
  }
}

}  // namespace imgcache
