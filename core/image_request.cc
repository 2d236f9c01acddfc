#include "core/image_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.h"

namespace imgcache {
namespace {

[[noreturn]] void reject(const std::string& reason) { throw Error(Errc::bad_request, reason); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A positive decimal dimension or '-', bounded by max.
unsigned parse_dimension(std::string_view text, unsigned max, const char* name) {
  if (text == "-") return kUnbounded;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    reject(std::string("bad ") + name);
  }
  if (value == 0) reject(std::string(name) + " must be at least 1");
  if (value > max) {
    reject(std::string(name) + " " + std::to_string(value) + " above max_" + name + " " +
           std::to_string(max));
  }
  return value;
}

unsigned parse_quality(std::string_view digits) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < 1 ||
      value > 100) {
    reject("quality must be q1..q100");
  }
  return value;
}

void apply_option(Operation& op, std::string_view option) {
  auto once = [&](bool already) {
    if (already) reject("repeated option '" + std::string(option) + "'");
  };
  if (option == "crop") {
    once(op.crop);
    op.crop = true;
  } else if (option == "r90" || option == "r180" || option == "r270") {
    once(op.rotate != 0);
    op.rotate = option == "r90" ? 90 : option == "r180" ? 180 : 270;
  } else if (option.size() > 1 && option[0] == 'q') {
    once(op.quality.has_value());
    op.quality = parse_quality(option.substr(1));
  } else if (auto format = format_from_name(option); format && writable(*format)) {
    once(op.format.has_value());
    op.format = format;
  } else {
    reject("unknown option '" + std::string(option) + "'");
  }
}

// `sizes`, when set, lists the boxes allowed, as written ('-' kept).
void check_allowed_size(const Operation& op, const Config& config) {
  if (config.sizes.empty()) return;
  Operation size_only;
  size_only.width = op.width;
  size_only.height = op.height;
  if (std::find(config.sizes.begin(), config.sizes.end(), size_only.canonical()) ==
      config.sizes.end()) {
    reject("size not allowed");
  }
}

// '-' lets the output be as large as max_width / max_height, no larger.
void bound_unconstrained(Operation& op, const Config& config) {
  if (op.width == kUnbounded) op.width = config.max_width;
  if (op.height == kUnbounded) op.height = config.max_height;
}

// True if an output in `format` gets quality q without q<N>. PNG and GIF take none.
bool is_default_quality(unsigned q, ImageFormat format, const Config& config) {
  switch (format) {
    case ImageFormat::jpeg:
      return q == config.jpeg_quality;
    case ImageFormat::webp:
      return q == config.webp_quality;
    case ImageFormat::avif:
      return q == config.avif_quality;
    case ImageFormat::jxl:
      return q == config.jxl_quality;
    case ImageFormat::heic:  // written as JPEG (or PNG, which takes no quality)
      return q == config.jpeg_quality;
    case ImageFormat::png:
    case ImageFormat::gif:
      return true;
  }
  return false;
}

// Drops a quality that every format the output may have gets anyway, so equal outputs
// share one cache key. With no format named, the output's format is the source's or a
// negotiated one, unknown until the source is fetched and the client asks: every format
// must agree.
void drop_default_quality(Operation& op, const Config& config) {
  if (!op.quality) return;
  const unsigned q = *op.quality;
  auto gets_q = [&](ImageFormat format) { return is_default_quality(q, format, config); };
  const bool is_default =
      op.format ? gets_q(*op.format) : std::ranges::all_of(kImageFormats, gets_q);
  if (is_default) op.quality.reset();
}

}  // namespace

Operation parse_operation(std::string_view spec, const Config& config) {
  Operation op = parse_operation_as_written(spec, {config.max_width, config.max_height});
  check_allowed_size(op, config);
  bound_unconstrained(op, config);
  drop_default_quality(op, config);
  return op;
}

Operation parse_operation_as_written(std::string_view spec, Size max) {
  std::string_view size = spec.substr(0, spec.find(','));
  auto x = size.find('x');
  if (x == std::string_view::npos) reject("size must be WxH");
  Operation op;
  op.width = parse_dimension(size.substr(0, x), max.width, "width");
  op.height = parse_dimension(size.substr(x + 1), max.height, "height");
  for (std::string_view rest = spec.substr(size.size()); !rest.empty();) {
    rest.remove_prefix(1);  // the ','
    std::string_view option = rest.substr(0, rest.find(','));
    if (option.empty()) reject("empty option");
    apply_option(op, option);
    rest.remove_prefix(option.size());
  }
  return op;
}

namespace {

// Checks a decoded source path segment by segment.
void check_source_path(const std::string& path) {
  if (path.empty()) reject("missing source path");
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) reject("control character in path");
    if (c == '\\') reject("backslash in path");
  }
  // Anything still looking like an escape after one decoding is a double-encoding attempt.
  for (std::size_t i = 0; i + 2 < path.size(); ++i) {
    if (path[i] == '%' && hex_value(path[i + 1]) >= 0 && hex_value(path[i + 2]) >= 0) {
      reject("double-encoded path");
    }
  }
  std::string_view rest = path;
  while (true) {
    auto slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty()) reject("empty path segment");
    if (segment == "." || segment == "..") reject("dot segment in path");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) reject("truncated percent escape");
    int high = hex_value(text[i + 1]);
    int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) reject("bad percent escape");
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string ImageRequest::origin_path() const {
  static constexpr std::string_view kSafe = "-._~/!$&'()*+,;=:@";
  std::string out;
  for (unsigned char c : source_path) {
    if (std::isalnum(c) || kSafe.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

ImageRequest parse_image_request(std::string_view raw_path, const Config& config) {
  if (raw_path.find('?') != std::string_view::npos) reject("query in path");
  const std::string& prefix = config.prefix;
  if (raw_path.substr(0, prefix.size()) != prefix) reject("outside the prefix");
  std::string_view rest = raw_path.substr(prefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) reject("missing source path");
  // The operation segment is matched undecoded: it only ever holds plain ASCII.
  std::string_view spec = rest.substr(0, slash);
  std::string encoded_path(rest.substr(slash + 1));

  ImageRequest request;
  std::string lower = encoded_path;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.find("%2f") != std::string::npos || lower.find("%5c") != std::string::npos ||
      lower.find("%00") != std::string::npos) {
    reject("encoded separator in path");
  }
  request.source_path = percent_decode(encoded_path);
  check_source_path(request.source_path);
  if (spec == "info") {
    request.info = true;
  } else {
    request.operation = parse_operation(spec, config);
  }
  request.uri = prefix + std::string(spec) + "/" + request.source_path;
  return request;
}

}  // namespace imgcache
