// Where a cache entry lives: pure functions, no I/O (SPEC §4).
// The key of a request is its canonical form; its file name is the MD5 of the key in
// lowercase hex, placed in directories taken from the end of the hex string as nginx's
// proxy_cache_path levels= does ("1:2" → <root>/c/29/b7f5…029c).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/image_request.h"

namespace imgcache {

// "1:2" → {1, 2}. 1 to 3 levels of 1 or 2 characters; throws Error(bad_request) otherwise.
std::vector<int> parse_levels(std::string_view levels);

// The path of the entry named by a 32-character hex digest under root.
std::string entry_path(const std::string& root, const std::vector<int>& levels,
                       const std::string& hex);

// The cache key: origin, canonical operation, negotiated WebP variant and source path.
// Equivalent URL spellings give the same key. "<origin> <op>[ auto-<formats>] /<path>",
// with the negotiated formats in order of preference ("auto-webp", "auto-avif-webp").
std::string cache_key(const std::string& origin, const ImageRequest& request,
                      const std::vector<ImageFormat>& negotiated);

// Whether `key` (a cache_key) is of the source `source_path` (decoded, without leading
// '/') at `origin`, whatever its operation or variant.
bool key_names_source(std::string_view key, const std::string& origin,
                      std::string_view source_path);

// The entry's file name: MD5 of the key, lowercase hex.
std::string key_digest(std::string_view key);

}  // namespace imgcache
