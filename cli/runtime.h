// What the cache commands of the CLI share with the responder: the assembly of the service
// over the configured cache directory (core/app/assembly.h), built on demand after parsing
// by the commands that touch the cache. Run as root, it switches to the owner of cache_dir
// first.
#pragma once

#include <string>

#include "core/app/assembly.h"
#include "core/app/config_flags.h"

namespace imgcache {

class Runtime : public Assembly {
 public:
  explicit Runtime(const ConfigFlags& flags);
};

// The request path of a URL or URI: drops scheme, host and query.
std::string request_path(const std::string& url);

}  // namespace imgcache
