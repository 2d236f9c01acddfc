#include "core/negotiation.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace imgcache {
namespace {

// The quality an Accept item gives ("…;q=0.5"): whether it is above zero.
bool quality_above_zero(std::string_view parameters) {
  while (!parameters.empty()) {
    std::string_view parameter = parameters.substr(0, parameters.find(';'));
    parameters.remove_prefix(std::min(parameters.size(), parameter.size() + 1));
    parameter = trim(parameter);
    if (parameter.size() < 2 || (parameter[0] != 'q' && parameter[0] != 'Q') ||
        parameter[1] != '=') {
      continue;
    }
    return trim(parameter.substr(2)).find_first_not_of("0.") != std::string_view::npos;
  }
  return true;
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool enabled(const Config& config, ImageFormat format) {
  switch (format) {
    case ImageFormat::webp:
      return config.auto_webp;
    case ImageFormat::avif:
      return config.auto_avif;
    case ImageFormat::jxl:
      return config.auto_jxl;
    default:
      return false;
  }
}

// Appends to `out` every ordered choice of negotiable formats that extends `chosen`.
void add_orders(std::vector<ImageFormat>& chosen, std::vector<std::vector<ImageFormat>>& out) {
  for (ImageFormat format : kNegotiableFormats) {
    if (std::find(chosen.begin(), chosen.end(), format) != chosen.end()) continue;
    chosen.push_back(format);
    out.push_back(chosen);
    add_orders(chosen, out);
    chosen.pop_back();
  }
}

}  // namespace

FormatSet formats_in_accept(std::string_view accept) {
  FormatSet formats;
  while (!accept.empty()) {
    const std::string_view item = accept.substr(0, accept.find(','));
    accept.remove_prefix(std::min(accept.size(), item.size() + 1));
    const std::size_t semicolon = std::min(item.find(';'), item.size());
    const std::string_view type = trim(item.substr(0, semicolon));
    for (ImageFormat format : kNegotiableFormats) {
      if (same_ignoring_case(type, format_mime_type(format)) &&
          quality_above_zero(item.substr(semicolon))) {
        formats.add(format);
      }
    }
  }
  return formats;
}

bool negotiates_formats(const Config& config) {
  return std::ranges::any_of(kNegotiableFormats,
                             [&](ImageFormat format) { return enabled(config, format); });
}

std::vector<ImageFormat> negotiated_formats(const Config& config, FormatSet accepted) {
  std::vector<ImageFormat> out;
  for (ImageFormat format : config.auto_order) {
    if (enabled(config, format) && accepted.contains(format)) out.push_back(format);
  }
  return out;
}

std::string negotiation_key_word(const std::vector<ImageFormat>& negotiated) {
  if (negotiated.empty()) return "";
  std::string word = "auto";
  for (ImageFormat format : negotiated) (word += '-') += format_name(format);
  return word;
}

std::vector<std::vector<ImageFormat>> every_negotiation() {
  std::vector<std::vector<ImageFormat>> out = {{}};
  std::vector<ImageFormat> chosen;
  add_orders(chosen, out);
  return out;
}

}  // namespace imgcache
