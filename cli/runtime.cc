#include "cli/runtime.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "core/error.h"

namespace imgcache {

namespace {

// Run by root (cron), the cache commands act as the owner of cache_dir, so that what they
// write stays writable for the responder (e.g. a systemd DynamicUser).
void become_cache_owner(const std::string& cache_dir) {
  struct stat st;
  if (::geteuid() != 0 || ::stat(cache_dir.c_str(), &st) != 0 || st.st_uid == 0) return;
  if (::setgroups(0, nullptr) != 0 || ::setgid(st.st_gid) != 0 || ::setuid(st.st_uid) != 0) {
    throw Error(Errc::bad_config, "cannot switch to the owner of " + cache_dir);
  }
}

Config as_cache_owner(Config config) {
  become_cache_owner(config.cache_dir);
  return config;
}

void warn_to_stderr(std::string_view line) { std::cerr << "imgcache: warning: " << line << '\n'; }

}  // namespace

Runtime::Runtime(const ConfigFlags& flags)
    : Assembly(as_cache_owner(flags.load()), warn_to_stderr, Overload::wait) {}

Runtime::~Runtime() {
  try {
    store().index().flush_reads();
  } catch (const std::exception&) {
    // Logged; a responder's walk of the tree at its start indexes what is left out.
  }
}

LoadReport Runtime::index_cache(bool reindex) {
  if (!reindex && store().index().loaded()) return {};
  return load_cache_index(store(), clock());
}

std::string request_path(const std::string& url) {
  std::string_view path = url;
  if (auto scheme = path.find("://"); scheme != std::string_view::npos) {
    auto slash = path.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  return std::string(path.substr(0, path.find('?')));
}

FormatSet accepted_formats(const std::string& accept, bool webp) {
  FormatSet accepted = formats_in_accept(accept);
  if (webp) accepted.add(ImageFormat::webp);
  return accepted;
}

}  // namespace imgcache
