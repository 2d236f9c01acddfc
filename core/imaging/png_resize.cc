#include "core/imaging/png_resize.h"

#include <Magick++.h>
#include <png.h>

#include <cstring>
#include <vector>

#include "core/imaging/byte_pixels.h"
#include "core/imaging/magick_pixels.h"
#include "core/imaging/png_profile.h"

namespace imgcache {
namespace {

// Thrown out of libpng on an error; the file goes to GraphicsMagick's reader instead. As
// with libjpeg (core/imaging/jpeg_resize.cc), the exception unwinds through libpng's C
// frames, which the unwind tables of Debian's builds allow; libpng keeps no state outside
// its structs, which ~Reader destroys.
struct PngRefused {};

[[noreturn]] void refuse(png_structp, png_const_charp) { throw PngRefused{}; }
// Warnings are about ancillary chunks (a bKGD index outside the palette, a bad tEXt
// keyword), which GraphicsMagick's reader lets pass too; broken image data is an error.
void ignore_warning(png_structp, png_const_charp) {}

struct Input {
  std::string_view bytes;
  std::size_t offset = 0;
};

void read_from(png_structp png, png_bytep data, png_size_t length) {
  auto* input = static_cast<Input*>(png_get_io_ptr(png));
  if (length > input->bytes.size() - input->offset) refuse(png, "truncated");
  std::memcpy(data, input->bytes.data() + input->offset, length);
  input->offset += length;
}

class Reader {
 public:
  explicit Reader(std::string_view png) : input_{png} {
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, refuse, ignore_warning);
    info_ = png_ ? png_create_info_struct(png_) : nullptr;
    if (!info_) throw PngRefused{};
    png_set_read_fn(png_, &input_, read_from);
  }
  ~Reader() { png_destroy_read_struct(&png_, &info_, nullptr); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  png_structp png() { return png_; }
  png_infop info() { return info_; }

 private:
  Input input_;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

// Four bytes a pixel with straight (not premultiplied) alpha, in GraphicsMagick's colour
// order, as the resampler's premultiplied pixels.
void straight_quads_to_pixels(const unsigned char* quads, std::span<float> row) {
  for (std::size_t i = 0; i < row.size(); i += kResampleChannels) {
    const float alpha = quads[i + 3] * kByteScale;
    const float scale = alpha * kByteScale;
    row[i] = quads[i] * scale;
    row[i + 1] = quads[i + 1] * scale;
    row[i + 2] = quads[i + 2] * scale;
    row[i + 3] = alpha;
  }
}

// The picture read a row at a time, in order, into the resampler.
Magick::Image resampled(Reader& reader, Size picture, Size target, ResizeFilter filter) {
  png_structp png = reader.png();
  png_infop info = reader.info();
  const int colour = png_get_color_type(png, info);
  const bool grey = (colour & PNG_COLOR_MASK_COLOR) == 0;
  const bool alpha =
      (colour & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS);
  png_set_expand(png);  // palette to RGB, grey to 8 bits, tRNS to an alpha channel
  if (alpha && grey) png_set_gray_to_rgb(png);
#if defined(MAGICK_PIXELS_BGRA)
  if (alpha) png_set_bgr(png);  // rgb_to_pixels orders three-byte pixels itself
#endif
  png_read_update_info(png, info);
  const std::size_t channels = png_get_channels(png, info);
  if (png_get_bit_depth(png, info) != 8 || channels != (alpha ? 4u : grey ? 1u : 3u)) {
    throw PngRefused{};
  }
  std::vector<unsigned char> bytes(png_get_rowbytes(png, info));
  return resampled_image(picture, target, grey, alpha, filter, [&](unsigned, std::span<float> row) {
    png_read_row(png, bytes.data(), nullptr);
    if (alpha) {
      straight_quads_to_pixels(bytes.data(), row);
    } else if (grey) {
      grey_to_pixels(bytes.data(), row);
    } else {
      rgb_to_pixels(bytes.data(), row);
    }
  });
}

}  // namespace

std::optional<Magick::Image> read_png_resized(std::string_view png, Size target,
                                              ResizeFilter filter) {
  // The profile is judged by the pipeline, not by libpng (core/imaging/png_profile.h).
  const std::optional<PngWithoutProfile> split = take_png_profile(png);
  try {
    Reader reader(split ? std::string_view(split->png) : png);
    png_read_info(reader.png(), reader.info());
    const Size picture{png_get_image_width(reader.png(), reader.info()),
                       png_get_image_height(reader.png(), reader.info())};
    if (png_get_bit_depth(reader.png(), reader.info()) > 8 ||
        png_get_interlace_type(reader.png(), reader.info()) != PNG_INTERLACE_NONE ||
        (target.width >= picture.width && target.height >= picture.height)) {
      return std::nullopt;
    }
    Magick::Image image = resampled(reader, picture, target, filter);
    if (split && !split->profile.empty()) {
      image.iccColorProfile(Magick::Blob(split->profile.data(), split->profile.size()));
    }
    return image;
  } catch (const PngRefused&) {
    return std::nullopt;
  }
}

}  // namespace imgcache
