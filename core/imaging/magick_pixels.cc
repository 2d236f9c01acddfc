#include "core/imaging/magick_pixels.h"

#include <Magick++.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace imgcache {
namespace {

constexpr float kQuantumRange = MaxRGB;

// A pixel packet's four quanta (three colours in the packet's order, then opacity), and the
// same as floats, as the resampler takes them.
using Quanta =
    MagickLib::Quantum __attribute__((vector_size(kResampleChannels * sizeof(MagickLib::Quantum))));
using Floats = float __attribute__((vector_size(kResampleChannels * sizeof(float))));
static_assert(sizeof(Quanta) == sizeof(MagickLib::PixelPacket));

template <bool kMatte>
void to_premultiplied(const MagickLib::PixelPacket* pixels, std::span<float> row) {
  for (float* out = row.data(); out != row.data() + row.size();
       out += kResampleChannels, ++pixels) {
    Quanta quanta;
    std::memcpy(&quanta, pixels, sizeof quanta);
    Floats value = __builtin_convertvector(quanta, Floats) * (1.0f / kQuantumRange);
    const float alpha = kMatte ? 1.0f - value[3] : 1.0f;
    if (kMatte) value *= alpha;
    value[3] = alpha;
    std::memcpy(out, &value, sizeof value);
  }
}

// A premultiplied pixel of a translucent image back to colour and opacity, on the 8-bit
// grid the output is written on: alpha is rounded to 1/255, and the colour is the 8-bit
// premultiplied colour divided by it. A pixel with alpha a then takes at most a + 1
// values per channel, as in an 8-bit premultiplied pipeline — dividing the exact values
// by a tiny alpha would turn resampling noise into thousands of colours nobody sees (and
// a PNG three times larger). A transparent pixel is transparent black.
Floats unpremultiplied(Floats value) {
  const float alpha8 = std::round(std::clamp(value[3], 0.0f, 1.0f) * 255.0f);
  if (alpha8 == 0.0f) return Floats{0.0f, 0.0f, 0.0f, 1.0f};
  for (int channel = 0; channel < 3; ++channel) {
    const float premultiplied8 = std::round(std::clamp(value[channel], 0.0f, 1.0f) * 255.0f);
    value[channel] = std::min(1.0f, premultiplied8 / alpha8);
  }
  value[3] = 1.0f - alpha8 / 255.0f;  // opacity
  return value;
}

// Quanta of an image of 8 bits a sample are put on the 8-bit grid (multiples of 257):
// GraphicsMagick writes 8-bit files by truncating quanta, which would darken every
// resized image by half a level on average.
constexpr float kEightBitLevels = 255.0f;
constexpr MagickLib::Quantum kEightBitStep = MaxRGB / 255;

template <bool kMatte>
void from_premultiplied(std::span<const float> row, MagickLib::PixelPacket* pixels,
                        bool eight_bit) {
  const float levels = eight_bit ? kEightBitLevels : kQuantumRange;
  const MagickLib::Quantum step = eight_bit ? kEightBitStep : 1;
  for (const float* in = row.data(); in != row.data() + row.size();
       in += kResampleChannels, ++pixels) {
    Floats value;
    std::memcpy(&value, in, sizeof value);
    if (kMatte) {
      value = unpremultiplied(value);
    } else {
      value[3] = 0.0f;  // opaque
    }
    const Floats zero = {}, one = zero + 1.0f;
    value = value < zero ? zero : value;
    value = value > one ? one : value;
    const Quanta quanta = __builtin_convertvector(value * levels + 0.5f, Quanta) * step;
    std::memcpy(pixels, &quanta, sizeof quanta);
  }
}

// Throws what GraphicsMagick reported for a call that failed, or says what failed.
[[noreturn]] void fail(MagickLib::ExceptionInfo& exception, const char* what) {
  Magick::throwException(exception);
  throw Magick::ErrorResourceLimit(what);
}

// An ExceptionInfo for the calls of one resize.
struct Exception : MagickLib::ExceptionInfo {
  Exception() { MagickLib::GetExceptionInfo(this); }
  ~Exception() { MagickLib::DestroyExceptionInfo(this); }
  Exception(const Exception&) = delete;
  Exception& operator=(const Exception&) = delete;
};

// Stores output row `y` of the resampler in the pixels of `image`.
void store_row(MagickLib::Image* image, unsigned y, std::span<const float> row) {
  MagickLib::PixelPacket* pixels = MagickLib::SetImagePixels(image, 0, y, image->columns, 1);
  if (pixels == nullptr) fail(image->exception, "cannot write the resized pixels");
  const bool eight_bit = image->depth <= 8;
  if (image->matte) {
    from_premultiplied<true>(row, pixels, eight_bit);
  } else {
    from_premultiplied<false>(row, pixels, eight_bit);
  }
  if (!MagickLib::SyncImagePixels(image)) fail(image->exception, "cannot write the resized pixels");
}

}  // namespace

unsigned char eight_bit_sample(std::uint16_t quantum) {
  static_assert(MaxRGB == 65535, "quanta of 16 bits");
  return static_cast<unsigned char>((quantum + 128u) / 257u);
}

void round_to_eight_bits(Magick::Image& image) {
  image.modifyImage();
  const auto width = static_cast<unsigned>(image.columns());
  const auto rounded = [](MagickLib::Quantum quantum) {
    return static_cast<MagickLib::Quantum>(eight_bit_sample(quantum) * kEightBitStep);
  };
  for (unsigned y = 0; y < image.rows(); ++y) {
    MagickLib::PixelPacket* pixels = image.getPixels(0, static_cast<int>(y), width, 1);
    if (pixels == nullptr) throw Magick::ErrorResourceLimit("cannot write the image's pixels");
    for (unsigned x = 0; x < width; ++x) {
      pixels[x].red = rounded(pixels[x].red);
      pixels[x].green = rounded(pixels[x].green);
      pixels[x].blue = rounded(pixels[x].blue);
      pixels[x].opacity = rounded(pixels[x].opacity);
    }
    image.syncPixels();
  }
}

std::vector<unsigned char> eight_bit_samples(const Magick::Image& image, bool alpha) {
  const auto width = static_cast<unsigned>(image.columns());
  const auto height = static_cast<unsigned>(image.rows());
  std::vector<unsigned char> out(std::size_t{width} * height * (alpha ? 4 : 3));
  unsigned char* sample = out.data();
  for (unsigned y = 0; y < height; ++y) {
    const MagickLib::PixelPacket* pixels = image.getConstPixels(0, y, width, 1);
    if (pixels == nullptr) throw Magick::ErrorResourceLimit("cannot read the image's pixels");
    for (unsigned x = 0; x < width; ++x) {
      *sample++ = eight_bit_sample(pixels[x].red);
      *sample++ = eight_bit_sample(pixels[x].green);
      *sample++ = eight_bit_sample(pixels[x].blue);
      if (alpha)
        *sample++ = eight_bit_sample(static_cast<std::uint16_t>(MaxRGB - pixels[x].opacity));
    }
  }
  return out;
}

void DestroyMagickImage::operator()(MagickLib::_Image* image) const {
  MagickLib::DestroyImage(image);
}

void resize_image(Magick::Image& image, Size to, ResizeFilter filter) {
  const MagickLib::Image* source = image.constImage();
  const Size from{static_cast<unsigned>(source->columns), static_cast<unsigned>(source->rows)};
  const bool matte = source->matte != MagickFalse;
  Exception exception;
  OwnedImage resized(MagickLib::CloneImage(source, to.width, to.height, MagickTrue, &exception));
  if (!resized) fail(exception, "cannot allocate the resized image");
  resized->storage_class = MagickLib::DirectClass;  // averaged colours leave any palette
  resized->is_monochrome = MagickFalse;
  resample_into(
      std::move(resized), from, filter,
      [&](unsigned y, std::span<float> row) {
        const MagickLib::PixelPacket* pixels =
            MagickLib::AcquireImagePixels(source, 0, y, from.width, 1, &exception);
        if (pixels == nullptr) fail(exception, "cannot read the image's pixels");
        if (matte) {
          to_premultiplied<true>(pixels, row);
        } else {
          to_premultiplied<false>(pixels, row);
        }
      },
      image);
}

void resample_into(OwnedImage image, Size from, ResizeFilter filter, const ReadRow& read_row,
                   Magick::Image& image_out) {
  MagickLib::Image* target = image.get();
  const auto grey = target->is_grayscale;
  resample(from, {static_cast<unsigned>(target->columns), static_cast<unsigned>(target->rows)},
           filter, read_row,
           [&](unsigned y, std::span<const float> row) { store_row(target, y, row); });
  target->is_grayscale = grey;  // which writing pixels clears: grey images are written grey
  image_out.replaceImage(target);
  image.release();  // image_out owns it now
}

Magick::Image resampled_image(Size from, Size to, bool grey, bool matte, ResizeFilter filter,
                              const ReadRow& read_row) {
  OwnedImage resized(MagickLib::AllocateImage(nullptr));
  if (!resized) throw Magick::ErrorResourceLimit("cannot allocate the resized image");
  resized->columns = to.width;
  resized->rows = to.height;
  resized->depth = 8;
  resized->is_grayscale = grey ? MagickTrue : MagickFalse;
  resized->matte = matte ? MagickTrue : MagickFalse;
  Magick::Image image;
  resample_into(std::move(resized), from, filter, read_row, image);
  return image;
}

}  // namespace imgcache
