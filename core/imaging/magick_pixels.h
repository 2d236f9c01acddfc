// The one place where resampled rows (core/imaging/resample.h) become the pixels of a
// GraphicsMagick image, for the libjpeg and libwebp paths and GraphicsMagick's own decodes. The
// resampler's pixels keep the colour order of GraphicsMagick's (BGR on little-endian
// machines, else RGB).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/imaging/magick_frames.h"
#include "core/imaging/resample.h"
#include "core/imaging/vocabulary.h"

namespace MagickLib {
struct _Image;
}

namespace imgcache {

struct DestroyMagickImage {
  void operator()(MagickLib::_Image* image) const;
};
// A GraphicsMagick image owned until a Magick::Image takes it.
using OwnedImage = std::unique_ptr<MagickLib::_Image, DestroyMagickImage>;

// Replaces `image` by its resize to exactly `to`, keeping its other attributes (profiles,
// frame timing). Throws Magick::Exception.
void resize_image(Magick::Image& image, Size to, ResizeFilter filter);

// Fills the pixels of `image` (opaque unless it has a matte channel) with the resampled
// rows of a picture of `from` that `read_row` gives, and hands the image to `image_out`.
// Throws Magick::Exception.
void resample_into(OwnedImage image, Size from, ResizeFilter filter, const ReadRow& read_row,
                   Magick::Image& image_out);

// A 16-bit quantum as 8 bits, rounded (GraphicsMagick's own export truncates).
unsigned char eight_bit_sample(std::uint16_t quantum);

// Puts every quantum on the 8-bit grid (a multiple of 257), rounded, for an image about to
// be written with 8 bits a sample by GraphicsMagick, which truncates: after a composite,
// a sharpen or from a 16-bit source the quanta are anywhere between. Throws
// Magick::Exception.
void round_to_eight_bits(Magick::Image& image);

// The image's pixels as rows of 8-bit R, G, B (and A with `alpha`) samples, rounded.
std::vector<unsigned char> eight_bit_samples(const Magick::Image& image, bool alpha);

// A new 8-bit image of `to` (grey, with alpha, as said) made of the rows `read_row` gives of
// a picture of `from`, resampled. Throws Magick::Exception.
Magick::Image resampled_image(Size from, Size to, bool grey, bool matte, ResizeFilter filter,
                              const ReadRow& read_row);

}  // namespace imgcache
