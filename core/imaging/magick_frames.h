// The frames of one image as GraphicsMagick holds them: one for a still image, every
// frame of an animated GIF. Declared without GraphicsMagick's headers, which only the
// imaging engine's .cc files include.
#pragma once

#include <list>

namespace Magick {
class Image;
}

namespace imgcache {

using Frames = std::list<Magick::Image>;

}  // namespace imgcache
