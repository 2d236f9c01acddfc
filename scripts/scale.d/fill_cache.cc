// Fills a cache directory with synthetic entries for the scale benchmark, fast: entry i
// is the variant i % variants of source "photo-<i / variants>.jpg", with a real meta whose
// key names its file (as imgcache writes them, levels 1:2) and a sparse body of the size
// the meta says (no data blocks: only the meta takes disk space). Access times are spread
// over the last 30 days. Built and run by scripts/scale; not part of imgcache.
//
//   fill_cache ROOT ORIGIN FIRST COUNT VARIANTS NOW
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

const char* kOperations[] = {"150x150", "300x300", "600x400", "150x150,crop", "800x600"};

std::string md5_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : std::string(reinterpret_cast<char*>(digest), length)) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

void write_file(const std::string& path, const std::string& text, off_t size, time_t atime,
                time_t mtime) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  if (!text.empty() && ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    std::perror(path.c_str());
    std::exit(1);
  }
  if (size > 0 && ::ftruncate(fd, size) != 0) std::exit(1);
  struct timespec times[2] = {{atime, 0}, {mtime, 0}};
  ::futimens(fd, times);
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: fill_cache ROOT ORIGIN FIRST COUNT VARIANTS NOW\n");
    return 2;
  }
  const std::string root = argv[1];
  const std::string origin = argv[2];
  const long first = std::atol(argv[3]);
  const long count = std::atol(argv[4]);
  const long variants = std::atol(argv[5]);
  const time_t now = std::atol(argv[6]);
  constexpr time_t kMonth = 30 * 86400;
  for (long i = first; i < first + count; ++i) {
    const std::string source = "photo-" + std::to_string(i / variants) + ".jpg";
    const std::string key = origin + " " + kOperations[i % variants % 5] +
                            (i % variants >= 5 ? ",q" + std::to_string(50 + i % variants) : "") +
                            " /" + source;
    const std::string hex = md5_hex(key);
    const std::string dir = root + "/" + hex.substr(31, 1) + "/" + hex.substr(29, 2);
    ::mkdir((root + "/" + hex.substr(31, 1)).c_str(), 0755);
    ::mkdir(dir.c_str(), 0755);
    const off_t size = 4000 + (i * 7919) % 60000;
    // A spread of last reads, not in creation order.
    const time_t read = now - 60 - static_cast<time_t>((i * 2654435761u) % kMonth);
    const time_t created = read - 86400;
    const std::string meta = "key=" + key + "\ncontent_type=image/jpeg\nwidth=150\nheight=100\nsize=" +
                             std::to_string(size) + "\ncreated=" + std::to_string(created) +
                             "\nvalidated=" + std::to_string(created) +
                             "\nstatus=200\netag=\"" + hex.substr(0, 16) +
                             "\"\norigin_etag=\norigin_last_modified=\nsource_url=" + origin + "/" +
                             source + "\n";
    write_file(dir + "/" + hex, "", size, read, created);
    write_file(dir + "/" + hex + ".meta", meta, 0, read, created);
  }
  return 0;
}
