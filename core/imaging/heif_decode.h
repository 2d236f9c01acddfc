// HEIC and AVIF sources (HEIF files), decoded by libheif with its HEVC and AV1 decoders:
// the primary image only, with the file's rotation, mirroring and crop applied, 8 bits a
// sample (deeper sources converted), alpha kept and the colour profile attached.
#pragma once

#include <string_view>

#include "core/imaging/picture.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

// The size of the primary image as decoded, read from the file's boxes without decoding.
// Throws Error(unsupported_image).
Size heif_size(std::string_view source);

// The primary image. Throws Error(unsupported_image).
DecodedPicture decode_heif(std::string_view source);

}  // namespace imgcache
