// Config: every setting of imgcache (SPEC §7) with its default, built once at start-up
// and passed by const reference. Values come from the config file, then IMGCACHE_<KEY>
// environment variables, then --key flags, each later source overriding the earlier.
// A bad key or value is an Error(bad_config) whose text names the file and line (or the
// variable or flag). Nothing reads the environment after load_config() returns.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/imaging/vocabulary.h"
#include "core/sign.h"
#include "core/units.h"

namespace imgcache {

// The output formats negotiated by Accept, in the default order of preference.
inline constexpr std::array kNegotiableFormats = {ImageFormat::jxl, ImageFormat::avif,
                                                  ImageFormat::webp};

enum class SendfileHeader { none, x_accel_redirect, x_sendfile };

// How the responder writes its request log lines: key=value, or one JSON object each.
enum class LogFormat { text, json };

struct Config {
  // Where source images come from: http://host[:port][/base], https://…, or file:///dir.
  std::string origin;
  std::string prefix = "/image/";  // URL prefix of the endpoint (nginx location)

  std::string cache_dir = "/var/cache/imgcache";
  std::string cache_levels = "1:2";             // proxy_cache_path levels=
  std::uint64_t cache_max_size = 100ull << 20;  // proxy_cache_path max_size=
  Seconds cache_inactive{40 * 86400};           // proxy_cache_path inactive=
  Seconds cache_valid{30 * 86400};              // proxy_cache_valid
  Seconds cache_valid_404{0};                   // proxy_cache_valid 404; 0: origin 404s not cached
  Seconds cache_manager_interval{60};           // background prune period; 0: no manager
  unsigned cache_loader_rate = 20000;  // entries a second the start-up walk reads; 0: no limit
  std::uint64_t memory_cache_size = 32ull << 20;  // hot entries kept in memory; 0: none

  std::uint64_t max_source_size = 20ull << 20;  // image_filter_buffer
  std::uint64_t max_source_pixels = 100'000'000;
  unsigned max_frames = 100;
  unsigned max_width = 4096;
  unsigned max_height = 4096;
  std::vector<std::string> sizes;  // allowed "WxH" sizes; empty: any

  unsigned jpeg_quality = 75;    // image_filter_jpeg_quality
  unsigned webp_quality = 80;    // image_filter_webp_quality
  unsigned avif_quality = 50;    // AVIF output, 1..100 (libavif's quantiser (100 - q) × 63 / 100)
  unsigned avif_speed = 8;       // AV1 encoder speed, 0 (slowest, smallest) to 10 (fastest)
  unsigned jxl_quality = 75;     // JPEG XL output, 1..100 (cjxl's scale; 100 lossless)
  unsigned jxl_effort = 4;       // libjxl's effort, 1 (fastest) to 9 (slowest, smallest)
  unsigned png_compression = 4;  // zlib level, 1 (fastest) to 9 (smallest)
  bool png_quantize = false;     // PNG output as a palette of up to 256 colours
  bool interlace = true;         // image_filter_interlace (progressive JPEG)
  unsigned sharpen = 0;          // image_filter_sharpen, percent
  ResizeFilter resize_filter = ResizeFilter::mitchell;
  bool transparency = true;  // image_filter_transparency
  bool auto_orient = true;
  // Keep a source's colour profile (when valid and at most 1 MB) with its pixels as they
  // are; off: convert the pixels to sRGB and drop the profile.
  bool keep_icc = false;
  bool auto_webp = false;  // WebP for clients whose Accept names it
  bool auto_avif = false;  // AVIF for clients whose Accept names it
  bool auto_jxl = false;   // JPEG XL for clients whose Accept names it
  // The negotiated formats in order of preference: the first the client accepts wins.
  std::vector<ImageFormat> auto_order{kNegotiableFormats.begin(), kNegotiableFormats.end()};

  SignScheme sign = SignScheme::none;
  std::string secret;
  std::string secret_previous;

  Seconds fetch_timeout{10};
  std::string origin_ca_file;
  // Hosts (host or host:port) an origin redirect may lead to besides the origin's own.
  std::vector<std::string> origin_allow_redirect_hosts;

  SendfileHeader sendfile_header = SendfileHeader::none;
  // URI prefix of the web server's internal location mapped to cache_dir (X-Accel-Redirect).
  std::string sendfile_prefix = "/_imgcache/";

  std::string metrics_path;    // Prometheus metrics endpoint, e.g. /imgcache/metrics; empty: off
  std::string health_path;     // health endpoint, e.g. /imgcache/health; empty: off
  bool log_monitoring = true;  // whether requests to metrics_path and health_path are logged
  LogFormat log_format = LogFormat::text;

  unsigned threads = 0;       // 0: four per CPU core
  unsigned max_inflight = 0;  // concurrent fetches + resizes; 0: two per CPU core
  // Misses waiting for their turn (a worker, a max_inflight slot, a key another request is
  // producing); beyond max_queue, or after waiting queue_timeout, 503 with Retry-After.
  unsigned max_queue = 512;
  Seconds queue_timeout{10};
  std::string listen;  // HOST:PORT or unix:PATH; empty: the socket on standard input
};

// The signing keys the config names.
SigningKeys signing_keys(const Config& config);

// Names of every key, in the order `imgcache config print` shows them.
const std::vector<std::string>& config_keys();

// Sets one key from its text form; throws Error(bad_config) naming `where` on failure.
void set_config_value(Config& config, const std::string& key, const std::string& value,
                      const std::string& where);
// The text form of one key's value, as it would be written in the file.
std::string config_value(const Config& config, const std::string& key);

// Every problem found in a config, each "where: what" (where: FILE:LINE, the variable or
// the flag, or the key for checks across keys); what() has them one a line.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Reads the file (unless path is empty), applies IMGCACHE_<KEY> variables from env
// (entries "NAME=value") and then the given flag overrides, and checks the result; throws
// ConfigError naming every problem (or Error(bad_config) if the file cannot be read).
Config load_config(const std::string& path, const std::vector<std::string>& env,
                   const std::map<std::string, std::string>& flag_overrides);

// The file that load_config reads when no --config is given: $IMGCACHE_CONFIG if set,
// else /etc/imgcache/imgcache.conf.
std::string default_config_path(const std::vector<std::string>& env);

// Cross-key checks (origin scheme, secret set when signing, levels, sizes); throws
// ConfigError naming each failed one. An empty origin is allowed here: only serving needs one.
void validate_config(const Config& config);

// The whole effective config in file syntax.
std::string format_config(const Config& config);

}  // namespace imgcache
