// imgcache inspect URI|CACHE-FILE [--accept TYPES] [--webp] [--json]   — what the cache
// holds for a request or in one cache file: key, path, size, type, dimensions, dates,
// origin validators.
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "core/error.h"
#include "core/http_date.h"
#include "core/image_request.h"

namespace imgcache {
namespace {

struct InspectOptions {
  std::string target;
  bool webp = false;
  std::string accept;
  bool json = false;
};

std::optional<CacheEntry> find_entry(Runtime& runtime, const InspectOptions& options) {
  const Config& config = runtime.config();
  std::string path = request_path(options.target);
  if (path.rfind(config.prefix, 0) == 0) {
    ImageRequest request = parse_image_request(path, config);
    return runtime.store().lookup(
        runtime.service().key_for(request, accepted_formats(options.accept, options.webp)));
  }
  std::string file = options.target;
  if (file.size() > 5 && file.compare(file.size() - 5, 5, ".meta") == 0)
    file.resize(file.size() - 5);
  return runtime.store().read_entry(file);
}

// The origin's Last-Modified (an HTTP date) in the ISO 8601 form of the other times;
// empty when it sent none, as it was when it is no HTTP date.
std::string iso_date_of(const std::string& http_date) {
  const std::optional<UnixTime> time = parse_http_date(http_date);
  return time ? format_iso_date(*time) : http_date;
}

int run_inspect(const InspectOptions& options, const Context& context) {
  Runtime runtime(context.config_flags);
  auto entry = find_entry(runtime, options);
  if (!entry) {
    std::cerr << "imgcache: " << options.target << ": not in the cache\n";
    return 1;
  }
  const EntryMeta& m = entry->meta;
  const UnixTime expires = m.validated + runtime.config().cache_valid.count();
  if (options.json) {
    std::cout << Json()
                     .add("key", m.key)
                     .add("path", entry->path)
                     .add("size", m.size)
                     .add("content_type", m.content_type)
                     .add("width", m.width)
                     .add("height", m.height)
                     .add("created", format_iso_date(m.created))
                     .add("last_read", format_iso_date(entry->last_read))
                     .add("validated", format_iso_date(m.validated))
                     .add("expires", format_iso_date(expires))
                     .add("etag", m.etag)
                     .add("origin_etag", m.origin_etag)
                     .add("origin_last_modified", iso_date_of(m.origin_last_modified))
                     .add("source_url", m.source_url)
                     .str()
              << '\n';
    return 0;
  }
  std::cout << "key:                  " << m.key << '\n'
            << "path:                 " << entry->path << '\n'
            << "size:                 " << m.size << " bytes\n"
            << "content type:         " << m.content_type << '\n'
            << "dimensions:           " << m.width << 'x' << m.height << '\n'
            << "created:              " << format_http_date(m.created) << '\n'
            << "last read:            " << format_http_date(entry->last_read) << '\n'
            << "expires:              " << format_http_date(expires)
            << (expires <= runtime.clock().now() ? " (expired)" : "") << '\n'
            << "etag:                 " << m.etag << '\n'
            << "origin etag:          " << (m.origin_etag.empty() ? "-" : m.origin_etag) << '\n'
            << "origin last-modified: "
            << (m.origin_last_modified.empty() ? "-" : m.origin_last_modified) << '\n'
            << "source:               " << m.source_url << '\n';
  return 0;
}

}  // namespace

void add_inspect_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* command = app.add_subcommand("inspect", "Show the cache entry of a URI or cache file");
  command->add_option("target", options->target, "Request path/URL, or a file in cache_dir")
      ->required();
  command->add_flag("--webp", options->webp, "Same as --accept image/webp");
  command->add_option("--accept", options->accept,
                      "The variant negotiated for a client sending this Accept header "
                      "(auto_jxl, auto_avif, auto_webp), e.g. image/avif,image/webp");
  command->add_flag("--json", options->json, "One JSON object on stdout");
  run_when_chosen(command, options, context, run_inspect);
}

}  // namespace imgcache
