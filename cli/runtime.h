// What the cache commands of the CLI share with the responder: the assembly of the service
// over the configured cache directory (core/app/assembly.h), built on demand after parsing
// by the commands that touch the cache. Run as root, it switches to the owner of cache_dir
// first.
#pragma once

#include <string>

#include "core/app/assembly.h"
#include "core/app/config_flags.h"
#include "core/cache_loader.h"
#include "core/negotiation.h"

namespace imgcache {

class Runtime : public Assembly {
 public:
  explicit Runtime(const ConfigFlags& flags);
  // Writes what waits for the index (rows of entries written while it was busy, reads).
  ~Runtime();

  // Makes the cache index whole before a command answers from it: walks the tree, as fast
  // as the disk allows, if no walk has filled the index yet, or always with `reindex`
  // (files changed behind its back). While a responder is walking it, the command answers
  // from what is indexed so far (report.skipped).
  LoadReport index_cache(bool reindex = false);
};

// The request path of a URL or URI: drops scheme, host and query.
std::string request_path(const std::string& url);

// The negotiable formats of a command's --accept (an Accept header's text) and --webp.
FormatSet accepted_formats(const std::string& accept, bool webp);

}  // namespace imgcache
