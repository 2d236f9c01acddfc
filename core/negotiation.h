// Content negotiation of the output format (auto_jxl, auto_avif, auto_webp): which of the
// negotiable formats a client's Accept names, which of those the config offers, in the
// config's order of preference (auto_order), and how the choice is spelled in cache keys.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

// A set of image formats.
class FormatSet {
 public:
  FormatSet() = default;
  FormatSet(std::initializer_list<ImageFormat> formats) {
    for (ImageFormat format : formats) add(format);
  }
  explicit FormatSet(std::span<const ImageFormat> formats) {
    for (ImageFormat format : formats) add(format);
  }
  void add(ImageFormat format) { bits_ |= bit(format); }
  bool contains(ImageFormat format) const { return (bits_ & bit(format)) != 0; }
  bool operator==(const FormatSet&) const = default;

 private:
  static unsigned bit(ImageFormat format) { return 1u << static_cast<unsigned>(format); }
  unsigned bits_ = 0;
};

// The negotiable formats an Accept header names with a non-zero quality ("image/avif",
// "image/webp;q=0.8"). Wildcards name none: image/* does not promise AVIF.
FormatSet formats_in_accept(std::string_view accept);

// Whether the config negotiates any format (auto_jxl, auto_avif, auto_webp).
bool negotiates_formats(const Config& config);

// The formats to offer a client that accepts `accepted`, best first: those the config
// enables (auto_jxl, auto_avif, auto_webp), in auto_order. Empty: the answer is the plain one.
std::vector<ImageFormat> negotiated_formats(const Config& config, FormatSet accepted);

// The cache-key word of a negotiation: "" for none, else "auto-" and the formats in order
// ("auto-webp", "auto-avif-webp").
std::string negotiation_key_word(const std::vector<ImageFormat>& negotiated);

// Every negotiation a key may have been made with, under any config: every ordered choice
// of one or more negotiable formats, and none (what `imgcache purge` removes).
std::vector<std::vector<ImageFormat>> every_negotiation();

}  // namespace imgcache
