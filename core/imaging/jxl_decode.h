// JPEG XL sources, decoded by libjxl on one thread: the first frame, with the file's
// orientation applied, 8 bits a sample, alpha kept and the colour profile attached.
#pragma once

#include <string_view>

#include "core/imaging/picture.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

// The size of the picture as decoded (oriented), from the header alone. Throws
// Error(unsupported_image).
Size jxl_size(std::string_view source);

// The first frame. Throws Error(unsupported_image).
DecodedPicture decode_jxl(std::string_view source);

}  // namespace imgcache
