// A JPEG decoded by libjpeg and resized (core/imaging/resample.h) a few rows at a time, so neither
// the decoded picture nor a GraphicsMagick copy of it is ever held whole. libjpeg scales by
// 1/2, 1/4 or 1/8 while decoding when that keeps at least twice the target's width and
// height (shrink-on-load); a progressive file is then decoded by imgcache from the
// coefficients that scale needs (core/imaging/jpeg_scaled_picture.h), its other scans left
// out.
#pragma once

#include <optional>
#include <string_view>

#include "core/imaging/magick_frames.h"
#include "core/imaging/vocabulary.h"

namespace imgcache {

// The JPEG resized to exactly `target`, in the orientation it is stored in, with its colour
// profile. nullopt for what this path does not take (CMYK and YCCK, samples of more than
// 8 bits) and for any file libjpeg warns about or rejects: GraphicsMagick's reader judges
// those.
std::optional<Magick::Image> read_jpeg_resized(std::string_view jpeg, Size target,
                                               ResizeFilter filter);

}  // namespace imgcache
