#include "core/magick_resize.h"

#include <algorithm>
#include <cstring>

#include "core/resample.h"

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

template <bool kMatte>
void from_premultiplied(std::span<const float> row, MagickLib::PixelPacket* pixels) {
  for (const float* in = row.data(); in != row.data() + row.size();
       in += kResampleChannels, ++pixels) {
    Floats value;
    std::memcpy(&value, in, sizeof value);
    // Below half a quantum a pixel is transparent, and its colour is not divided out (a
    // tiny alpha would blow up rounding and ringing).
    float alpha = kMatte ? std::clamp(value[3], 0.0f, 1.0f) : 1.0f;
    if (alpha < 0.5f / kQuantumRange) alpha = 0.0f;
    if (kMatte) value *= alpha > 0.0f ? 1.0f / alpha : 0.0f;
    value[3] = 1.0f - alpha;  // opacity
    const Floats zero = {}, one = zero + 1.0f;
    value = value < zero ? zero : value;
    value = value > one ? one : value;
    const Quanta quanta = __builtin_convertvector(value * kQuantumRange + 0.5f, Quanta);
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
  if (image->matte) {
    from_premultiplied<true>(row, pixels);
  } else {
    from_premultiplied<false>(row, pixels);
  }
  if (!MagickLib::SyncImagePixels(image)) fail(image->exception, "cannot write the resized pixels");
}

}  // namespace

void resize_image(Magick::Image& image, Size to, ResizeFilter filter) {
  const MagickLib::Image* source = image.constImage();
  const Size from{static_cast<unsigned>(source->columns), static_cast<unsigned>(source->rows)};
  const bool matte = source->matte != MagickFalse;
  Exception exception;
  OwnedImage resized(MagickLib::CloneImage(source, to.width, to.height, MagickTrue, &exception),
                     &MagickLib::DestroyImage);
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

}  // namespace imgcache
