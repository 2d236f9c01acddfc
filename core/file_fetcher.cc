// Fetcher for file:///dir origins: reads files below the directory, never outside it
// (the resolved path, symlinks followed, must stay under the resolved root).
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "core/fetcher.h"
#include "core/http_date.h"

namespace imgcache {

class FileFetcher final : public Fetcher {
 public:
  explicit FileFetcher(const OriginOptions& options) : max_size_(options.max_source_size) {
    std::string dir = options.origin.substr(std::string("file://").size());
    char resolved[PATH_MAX];
    root_ = ::realpath(dir.c_str(), resolved) ? resolved : dir;
  }

  std::string source_url(const FetchRequest& request) const override {
    return "file://" + root_ + "/" + request.source_path;
  }

  FetchResult fetch(const FetchRequest& request) override {
    std::string path = root_ + "/" + request.source_path;
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) {
      throw Error(Errc::not_found, "no such source file: " + path);
    }
    std::string real = resolved;
    if (real.rfind(root_ + "/", 0) != 0)
      throw Error(Errc::not_found, "source outside origin: " + path);
    struct stat st;
    if (::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      throw Error(Errc::not_found, "not a regular file: " + path);
    }
    FetchResult result;
    result.last_modified = format_http_date(st.st_mtime);
    result.etag = "\"" + to_hex_number(st.st_mtime) + "-" + to_hex_number(st.st_size) + "\"";
    if (!request.if_none_match.empty() && request.if_none_match == result.etag) {
      result.not_modified = true;
      return result;
    }
    if (static_cast<std::uint64_t>(st.st_size) > max_size_) {
      throw Error(Errc::unsupported_image, "source larger than max_source_size: " + path);
    }
    std::ifstream in(real, std::ios::binary);
    result.body.resize(static_cast<std::size_t>(st.st_size));
    // One read of the size stat gave; a file that shrank meanwhile is an origin error.
    if (!in.read(result.body.data(), static_cast<std::streamsize>(result.body.size()))) {
      throw Error(Errc::origin_error, "cannot read " + path);
    }
    return result;
  }

 private:
  static std::string to_hex_number(long long value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%llx", value);
    return buffer;
  }

  std::string root_;
  std::uint64_t max_size_;
};

std::unique_ptr<Fetcher> make_file_fetcher(const OriginOptions& options) {
  return std::make_unique<FileFetcher>(options);
}

}  // namespace imgcache
