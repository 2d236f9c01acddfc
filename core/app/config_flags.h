// Config flags shared by both programs: --config FILE and one --<key> VALUE flag per
// config key (SPEC §7), bound on a CLI11 app; load() then reads the file, the
// IMGCACHE_<KEY> environment and the flags, in that order of precedence.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "core/config.h"

namespace imgcache {

class ConfigFlags {
 public:
  // Adds the flags to app.
  void add_to(CLI::App& app);
  // Loads the effective config; throws Error(bad_config).
  Config load() const;
  // The file load() reads: --config, IMGCACHE_CONFIG or the default; "" when none is named
  // and the default is not installed.
  std::string file() const;

 private:
  std::string program_;  // the name warnings begin with
  std::string path_;
  std::map<std::string, std::string> values_;
};

// environ as a vector of "NAME=value".
std::vector<std::string> environment();

}  // namespace imgcache
