#include "core/config.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "core/cache_layout.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/text.h"
#include "core/url_parts.h"

namespace imgcache {
namespace {

struct KeySpec {
  std::string name;
  std::function<void(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> get;
};

template <typename T>
KeySpec text_key(const char* name, T Config::*field) {
  return {name, [field](Config& c, const std::string& v) { c.*field = v; },
          [field](const Config& c) { return c.*field; }};
}

KeySpec count_key(const char* name, unsigned Config::*field, unsigned min, unsigned max) {
  return {name,
          [=](Config& c, const std::string& v) {
            auto n = parse_count(v, max);
            if (n < min) throw Error(Errc::bad_request, "must be at least " + std::to_string(min));
            c.*field = static_cast<unsigned>(n);
          },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

KeySpec size_key(const char* name, std::uint64_t Config::*field) {
  return {name, [=](Config& c, const std::string& v) { c.*field = parse_size(v); },
          [=](const Config& c) { return format_size(c.*field); }};
}

KeySpec duration_key(const char* name, Seconds Config::*field) {
  return {name, [=](Config& c, const std::string& v) { c.*field = parse_duration(v); },
          [=](const Config& c) { return format_duration(c.*field); }};
}

KeySpec bool_key(const char* name, bool Config::*field) {
  return {name, [=](Config& c, const std::string& v) { c.*field = parse_bool(v); },
          [=](const Config& c) { return std::string(c.*field ? "on" : "off"); }};
}

template <typename E>
KeySpec enum_key(const char* name, E Config::*field, std::vector<std::pair<std::string, E>> names) {
  return {name,
          [=](Config& c, const std::string& v) {
            std::string lower = v;
            std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
            for (const auto& [text, value] : names) {
              if (lower == text) {
                c.*field = value;
                return;
              }
            }
            std::string choices;
            for (const auto& [text, value] : names) choices += (choices.empty() ? "" : ", ") + text;
            throw Error(Errc::bad_request, "expected one of " + choices);
          },
          [=](const Config& c) {
            for (const auto& [text, value] : names) {
              if (c.*field == value) return text;
            }
            return std::string();
          }};
}

void check_prefix(const std::string& prefix) {
  if (prefix.size() < 2 || prefix.front() != '/' || prefix.back() != '/') {
    throw Error(Errc::bad_request, "must start and end with '/'");
  }
}

// "a, b,c" → {"a", "b", "c"}
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    item = std::string(trim(item));
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// "webp, avif": the named formats first, then the other negotiable ones in their default
// order.
std::vector<ImageFormat> parse_auto_order(const std::string& text) {
  std::vector<ImageFormat> order;
  for (const std::string& name : split_list(text)) {
    const auto format = format_from_name(name);
    if (!format || std::ranges::find(kNegotiableFormats, *format) == kNegotiableFormats.end()) {
      throw Error(Errc::bad_request, "'" + name + "' is not a negotiable format (jxl, avif, webp)");
    }
    if (std::ranges::find(order, *format) != order.end()) {
      throw Error(Errc::bad_request, "'" + name + "' is named twice");
    }
    order.push_back(*format);
  }
  for (ImageFormat format : kNegotiableFormats) {
    if (std::ranges::find(order, format) == order.end()) order.push_back(format);
  }
  return order;
}

std::vector<KeySpec> make_key_specs() {
  std::vector<KeySpec> specs = {
      text_key("origin", &Config::origin),
      {"prefix",
       [](Config& c, const std::string& v) {
         check_prefix(v);
         c.prefix = v;
       },
       [](const Config& c) { return c.prefix; }},
      text_key("cache_dir", &Config::cache_dir),
      text_key("cache_levels", &Config::cache_levels),
      size_key("cache_max_size", &Config::cache_max_size),
      duration_key("cache_inactive", &Config::cache_inactive),
      duration_key("cache_valid", &Config::cache_valid),
      duration_key("cache_valid_404", &Config::cache_valid_404),
      duration_key("cache_manager_interval", &Config::cache_manager_interval),
      count_key("cache_loader_rate", &Config::cache_loader_rate, 0, 100000000),
      size_key("memory_cache_size", &Config::memory_cache_size),
      size_key("max_source_size", &Config::max_source_size),
      {"max_source_pixels",
       [](Config& c, const std::string& v) {
         c.max_source_pixels = parse_count(v, std::numeric_limits<std::uint32_t>::max() * 4ull);
       },
       [](const Config& c) { return std::to_string(c.max_source_pixels); }},
      count_key("max_frames", &Config::max_frames, 1, 10000),
      count_key("max_width", &Config::max_width, 1, 65535),
      count_key("max_height", &Config::max_height, 1, 65535),
      {"sizes",
       [](Config& c, const std::string& v) {
         c.sizes.clear();
         for (const std::string& item : split_list(v)) {
           // Stored canonically ("0150x150" → "150x150") so requests can match it.
           c.sizes.push_back(parse_operation_as_written(item, {65535, 65535}).canonical());
         }
       },
       [](const Config& c) { return join_list(c.sizes); }},
      count_key("jpeg_quality", &Config::jpeg_quality, 1, 100),
      count_key("webp_quality", &Config::webp_quality, 1, 100),
      count_key("avif_quality", &Config::avif_quality, 1, 100),
      count_key("avif_speed", &Config::avif_speed, 0, 10),
      count_key("jxl_quality", &Config::jxl_quality, 1, 100),
      count_key("jxl_effort", &Config::jxl_effort, 1, 9),
      count_key("png_compression", &Config::png_compression, 1, 9),
      bool_key("png_quantize", &Config::png_quantize),
      bool_key("interlace", &Config::interlace),
      count_key("sharpen", &Config::sharpen, 0, 1000),
      enum_key("resize_filter", &Config::resize_filter,
               {{"lanczos", ResizeFilter::lanczos},
                {"catrom", ResizeFilter::catrom},
                {"mitchell", ResizeFilter::mitchell},
                {"triangle", ResizeFilter::triangle}}),
      bool_key("transparency", &Config::transparency),
      bool_key("auto_orient", &Config::auto_orient),
      bool_key("keep_icc", &Config::keep_icc),
      bool_key("auto_webp", &Config::auto_webp),
      bool_key("auto_avif", &Config::auto_avif),
      bool_key("auto_jxl", &Config::auto_jxl),
      {"auto_order", [](Config& c, const std::string& v) { c.auto_order = parse_auto_order(v); },
       [](const Config& c) {
         std::vector<std::string> names;
         for (ImageFormat format : c.auto_order) names.emplace_back(format_name(format));
         return join_list(names);
       }},
      enum_key("sign", &Config::sign,
               {{"none", SignScheme::none},
                {"md5", SignScheme::md5},
                {"hmac-sha256", SignScheme::hmac_sha256}}),
      text_key("secret", &Config::secret),
      text_key("secret_previous", &Config::secret_previous),
      duration_key("fetch_timeout", &Config::fetch_timeout),
      text_key("origin_ca_file", &Config::origin_ca_file),
      {"origin_allow_redirect_hosts",
       [](Config& c, const std::string& v) { c.origin_allow_redirect_hosts = split_list(v); },
       [](const Config& c) { return join_list(c.origin_allow_redirect_hosts); }},
      enum_key("sendfile_header", &Config::sendfile_header,
               {{"none", SendfileHeader::none},
                {"x-accel-redirect", SendfileHeader::x_accel_redirect},
                {"x-sendfile", SendfileHeader::x_sendfile}}),
      {"sendfile_prefix",
       [](Config& c, const std::string& v) {
         check_prefix(v);
         c.sendfile_prefix = v;
       },
       [](const Config& c) { return c.sendfile_prefix; }},
      text_key("metrics_path", &Config::metrics_path),
      text_key("health_path", &Config::health_path),
      bool_key("log_monitoring", &Config::log_monitoring),
      enum_key("log_format", &Config::log_format,
               {{"text", LogFormat::text}, {"json", LogFormat::json}}),
      count_key("threads", &Config::threads, 0, 1024),
      count_key("max_inflight", &Config::max_inflight, 0, 1024),
      count_key("max_queue", &Config::max_queue, 0, 65536),
      duration_key("queue_timeout", &Config::queue_timeout),
      text_key("listen", &Config::listen),
  };
  return specs;
}

const std::vector<KeySpec>& key_specs() {
  static const std::vector<KeySpec> specs = make_key_specs();
  return specs;
}

const KeySpec* find_key(const std::string& key) {
  for (const KeySpec& spec : key_specs()) {
    if (spec.name == key) return &spec;
  }
  return nullptr;
}

std::string env_name(const std::string& key) {
  std::string name = "IMGCACHE_" + key;
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  return name;
}

// A '#' starts a comment at the start of a line, after whitespace, or right after the '='
// that ends the key (where `key = #…` would start one too). So values such as secrets may
// contain '#' but not begin with it, and every value prints back as it was read.
std::size_t comment_start(const std::string& line) {
  const std::size_t key_end = line.find('=');
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '#') continue;
    if (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t' || i - 1 == key_end) return i;
  }
  return line.size();
}

// The problems found so far; each step's Error is noted and the next step still runs.
class Problems {
 public:
  template <typename Step>
  void check(const Step& step) {
    try {
      step();
    } catch (const ConfigError& e) {
      lines_.insert(lines_.end(), e.problems().begin(), e.problems().end());
    } catch (const Error& e) {
      lines_.emplace_back(e.what());
    }
  }
  void throw_any() const {
    if (!lines_.empty()) throw ConfigError(lines_);
  }

 private:
  std::vector<std::string> lines_;
};

void load_file(Config& config, const std::string& path, Problems& problems) {
  std::ifstream in(path);
  if (!in) throw Error(Errc::bad_config, path + ": cannot open config file");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string where = path + ":" + std::to_string(number);
    line.erase(comment_start(line));
    line = std::string(trim(line));
    if (line.empty()) continue;
    problems.check([&] {
      auto eq = line.find('=');
      if (eq == std::string::npos) throw Error(Errc::bad_config, where + ": expected key = value");
      set_config_value(config, std::string(trim(line.substr(0, eq))),
                       std::string(trim(line.substr(eq + 1))), where);
    });
  }
}

std::string lines_of(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& problem : problems) text += (text.empty() ? "" : "\n") + problem;
  return text;
}

}  // namespace

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> names;
    for (const KeySpec& spec : key_specs()) names.push_back(spec.name);
    return names;
  }();
  return keys;
}

void set_config_value(Config& config, const std::string& key, const std::string& value,
                      const std::string& where) {
  const KeySpec* spec = find_key(key);
  if (!spec) throw Error(Errc::bad_config, where + ": unknown key '" + key + "'");
  try {
    spec->set(config, value);
  } catch (const Error& e) {
    throw Error(Errc::bad_config, where + ": bad value for " + key + ": " + e.what());
  }
}

std::string config_value(const Config& config, const std::string& key) {
  const KeySpec* spec = find_key(key);
  if (!spec) throw Error(Errc::bad_config, "unknown key '" + key + "'");
  return spec->get(config);
}

std::string default_config_path(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (entry.rfind("IMGCACHE_CONFIG=", 0) == 0) return entry.substr(16);
  }
  return "/etc/imgcache/imgcache.conf";
}

ConfigError::ConfigError(std::vector<std::string> problems)
    : Error(Errc::bad_config, lines_of(problems)), problems_(std::move(problems)) {}

Config load_config(const std::string& path, const std::vector<std::string>& env,
                   const std::map<std::string, std::string>& flag_overrides) {
  Config config;
  Problems problems;
  if (!path.empty()) load_file(config, path, problems);
  for (const std::string& entry : env) {
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string name = entry.substr(0, eq);
    if (name.rfind("IMGCACHE_", 0) != 0 || name == "IMGCACHE_CONFIG") continue;
    problems.check([&] {
      bool known = false;
      for (const std::string& key : config_keys()) {
        if (env_name(key) != name) continue;
        set_config_value(config, key, entry.substr(eq + 1), name);
        known = true;
      }
      if (!known) throw Error(Errc::bad_config, name + ": no such config key");
    });
  }
  for (const auto& flag : flag_overrides) {
    problems.check([&] { set_config_value(config, flag.first, flag.second, "--" + flag.first); });
  }
  problems.check([&] { validate_config(config); });
  problems.throw_any();
  return config;
}

void validate_config(const Config& config) {
  Problems problems;
  auto require = [&problems](bool holds, const char* problem) {
    problems.check([&] {
      if (!holds) throw Error(Errc::bad_config, problem);
    });
  };
  const std::string& origin = config.origin;
  require(origin.empty() || origin.starts_with("http://") || origin.starts_with("https://") ||
              origin.starts_with("file:///"),
          "origin: must start with http://, https:// or file:///");
  require(config.sign == SignScheme::none || !config.secret.empty(),
          "secret: required when sign is not none");
  require(!config.cache_dir.empty() && config.cache_dir.front() == '/',
          "cache_dir: must be an absolute path");
  for (const std::string* path : {&config.metrics_path, &config.health_path}) {
    require(path->empty() || (path->front() == '/' && !path->starts_with(config.prefix)),
            "metrics_path and health_path: absolute, outside prefix");
  }
  problems.check([&] {
    try {
      parse_levels(config.cache_levels);
    } catch (const Error& e) {
      throw Error(Errc::bad_config, std::string("cache_levels: ") + e.what());
    }
  });
  problems.throw_any();
}

SigningKeys signing_keys(const Config& config) {
  return {config.sign, config.secret, config.secret_previous};
}

std::string format_config(const Config& config) {
  std::string out;
  for (const KeySpec& spec : key_specs()) {
    std::string value = spec.get(config);
    if ((spec.name == "secret" || spec.name == "secret_previous") && !value.empty()) {
      value = "(set)";
    }
    if (spec.name == "origin") value = with_password_hidden(value);
    out += spec.name + " = " + value + "\n";
  }
  return out;
}

}  // namespace imgcache
