// ImageRequest: a parsed and validated `/image/` request path (SPEC §2).
// parse_image_request() takes the raw, still percent-encoded path (no query string) and
// either returns a typed request or throws Error(bad_request) with the reason, for every
// malformed form and every form that could escape the origin. canonical() spells the
// operation one way only, so equivalent URLs share one cache entry.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"

namespace imgcache {

enum class ImageFormat { jpeg, png, gif, webp };

std::string_view format_name(ImageFormat format);       // "jpeg"
std::string_view format_mime_type(ImageFormat format);  // "image/jpeg"
std::optional<ImageFormat> format_from_name(std::string_view name);

// A box dimension: 0 means unconstrained ('-' in the URL, as in nginx); parse_operation
// bounds it by max_width / max_height.
constexpr unsigned kUnbounded = 0;

struct Operation {
  unsigned width = kUnbounded;
  unsigned height = kUnbounded;
  bool crop = false;
  unsigned rotate = 0;                // 0, 90, 180 or 270, counter-clockwise
  std::optional<unsigned> quality;    // 1..100
  std::optional<ImageFormat> format;  // explicit output format

  // "150x150,crop,r90,q80,webp": fixed option order, no defaults spelled out.
  std::string canonical() const;
};

struct ImageRequest {
  bool info = false;        // `<prefix>info/<path>`
  Operation operation;      // meaningless when info
  std::string source_path;  // decoded, validated, without leading '/': "a/b c.jpg"
  std::string uri;          // decoded request path, as nginx's $uri (what tokens sign)

  // The path to append to the origin: source_path percent-encoded where needed.
  std::string origin_path() const;
};

ImageRequest parse_image_request(std::string_view raw_path, const Config& config);

// The operation segment alone: "150x150,crop,q80". Throws Error(bad_request). What is
// rendered and keyed: '-' becomes max_width / max_height, and a q<N> that the output
// would get anyway is dropped (so "jpeg,q75" is "jpeg" while jpeg_quality is 75).
Operation parse_operation(std::string_view spec, const Config& config);
// The same as written: '-' kept, no default dropped, `sizes` not checked (what `sizes`
// lists).
Operation parse_operation_as_written(std::string_view spec, const Config& config);

// Percent-decodes once; throws Error(bad_request) on a malformed escape.
std::string percent_decode(std::string_view text);

}  // namespace imgcache
