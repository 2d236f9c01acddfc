// Fuzzes the config file parser: load_config either returns a config or throws
// Error(bad_config); whatever it accepts, format_config prints and loads back the same.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/config.h"
#include "core/error.h"

namespace {

// One file per fuzzing process, removed when the process exits.
struct TempConfigFile {
  std::string path = "/tmp/imgcache-fuzz-config-" + std::to_string(::getpid());
  ~TempConfigFile() { ::unlink(path.c_str()); }
};

std::string temp_file(const std::string& contents) {
  static TempConfigFile file;
  std::ofstream(file.path, std::ios::binary | std::ios::trunc) << contents;
  return file.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    imgcache::Config config = imgcache::load_config(temp_file(text), {}, {});
    std::string printed = imgcache::format_config(config);
    if (!config.secret.empty() || !config.secret_previous.empty()) return 0;  // printed hidden
    imgcache::Config again = imgcache::load_config(temp_file(printed), {}, {});
    if (imgcache::format_config(again) != printed) std::abort();
  } catch (const imgcache::Error& e) {
    if (e.code() != imgcache::Errc::bad_config) std::abort();
  }
  return 0;
}
