#include "core/app/config_flags.h"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

namespace imgcache {

std::vector<std::string> environment() {
  std::vector<std::string> out;
  for (char** entry = environ; *entry; ++entry) out.emplace_back(*entry);
  return out;
}

void ConfigFlags::add_to(CLI::App& app) {
  program_ = app.get_name();
  app.add_option("--config", path_,
                 "Config file (default: $IMGCACHE_CONFIG or "
                 "/etc/imgcache/imgcache.conf)");
  auto* group = app.add_option_group("Config overrides", "Any config key, overriding the file");
  for (const std::string& key : config_keys()) {
    group->add_option_function<std::string>(
        "--" + key, [this, key](const std::string& value) { values_[key] = value; },
        "Override config key " + key);
  }
}

std::string ConfigFlags::file() const {
  std::string path = path_.empty() ? default_config_path(environment()) : path_;
  bool implicit = path_.empty() && path == default_config_path({});
  // With no file named anywhere and none installed, the defaults (and overrides) apply.
  if (implicit && ::access(path.c_str(), F_OK) != 0) path.clear();
  return path;
}

Config ConfigFlags::load() const {
  const std::string path = file();
  Config config = load_config(path, environment(), values_);
  struct stat st;
  if (!config.secret.empty() && !path.empty() && ::stat(path.c_str(), &st) == 0 &&
      (st.st_mode & S_IROTH)) {
    std::cerr << program_ << ": warning: " << path
              << " holds a secret and is readable by everyone (chmod o-r)\n";
  }
  return config;
}

}  // namespace imgcache
