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
#include "core/imaging/vocabulary.h"

namespace imgcache {

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
// The same as written, each dimension at most `max`: '-' kept, no default dropped, `sizes`
// not checked (what `sizes` lists).
Operation parse_operation_as_written(std::string_view spec, Size max);

// Percent-decodes once; throws Error(bad_request) on a malformed escape.
std::string percent_decode(std::string_view text);

}  // namespace imgcache
