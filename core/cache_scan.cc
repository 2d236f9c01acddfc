#include "core/cache_scan.h"

#include <sys/stat.h>

#include <filesystem>
#include <map>

namespace imgcache {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMetaSuffix = ".meta";
constexpr std::string_view kTempMarker = ".tmp-";

bool is_hex_name(std::string_view name) {
  if (name.size() != 32) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Reports the entries of one leaf directory.
void scan_directory(const fs::path& dir, const ScanCallbacks& callbacks) {
  std::map<std::string, EntryFiles> entries;
  std::error_code ec;
  for (const fs::directory_entry& item : fs::directory_iterator(dir, ec)) {
    std::string name = item.path().filename().string();
    struct stat st;
    if (::lstat(item.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (name.find(kTempMarker) != std::string::npos) {
      if (callbacks.temp_file) callbacks.temp_file(item.path().string(), st.st_mtime);
      continue;
    }
    bool meta =
        name.size() > kMetaSuffix.size() &&
        name.compare(name.size() - kMetaSuffix.size(), kMetaSuffix.size(), kMetaSuffix) == 0;
    std::string hex = meta ? name.substr(0, name.size() - kMetaSuffix.size()) : name;
    if (!is_hex_name(hex)) continue;
    EntryFiles& entry = entries[hex];
    entry.hex = hex;
    entry.body_path = (dir / hex).string();
    entry.disk_bytes += static_cast<std::uint64_t>(st.st_blocks) * 512;
    if (meta) {
      entry.has_meta = true;
    } else {
      entry.has_body = true;
      entry.last_read = st.st_atime;
      entry.modified = st.st_mtime;
    }
  }
  for (const auto& [hex, entry] : entries) callbacks.entry(entry);
}

void walk(const fs::path& dir, int depth, const ScanCallbacks& callbacks) {
  if (callbacks.stop && callbacks.stop()) return;
  scan_directory(dir, callbacks);
  if (depth == 3) return;  // levels are at most 1:2:2 deep
  std::error_code ec;
  for (const fs::directory_entry& item : fs::directory_iterator(dir, ec)) {
    std::string name = item.path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // .locks
    if (item.is_directory(ec)) walk(item.path(), depth + 1, callbacks);
  }
}

}  // namespace

void scan_cache(const std::string& root, const ScanCallbacks& callbacks) {
  walk(fs::path(root), 0, callbacks);
}

}  // namespace imgcache
