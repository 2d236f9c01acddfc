#include "core/imaging/heif_decode.h"

#include <libheif/heif.h>

#include <cstring>
#include <memory>

#include "core/error.h"

namespace imgcache {
namespace {

struct FreeContext {
  void operator()(heif_context* context) const { heif_context_free(context); }
};
struct ReleaseHandle {
  void operator()(heif_image_handle* handle) const { heif_image_handle_release(handle); }
};
struct ReleaseImage {
  void operator()(heif_image* image) const { heif_image_release(image); }
};
struct FreeOptions {
  void operator()(heif_decoding_options* options) const { heif_decoding_options_free(options); }
};

// Sides longer than GraphicsMagick takes are refused before anything is decoded.
constexpr int kMaxSide = 65535;

void check(heif_error error, const char* what) {
  if (error.code != heif_error_Ok) {
    throw Error(Errc::unsupported_image, std::string(what) + ": " + error.message);
  }
}

// The file's primary image, its boxes read (the bytes must outlive it).
class PrimaryImage {
 public:
  explicit PrimaryImage(std::string_view source) : context_(heif_context_alloc()) {
    if (!context_) throw Error(Errc::internal, "libheif: cannot start");
    heif_context_set_maximum_image_size_limit(context_.get(), kMaxSide);
    // Tiles in the calling thread: workers already decode one image per core.
    heif_context_set_max_decoding_threads(context_.get(), 0);
    check(heif_context_read_from_memory_without_copy(context_.get(), source.data(), source.size(),
                                                     nullptr),
          "not a readable HEIF file");
    heif_image_handle* handle = nullptr;
    check(heif_context_get_primary_image_handle(context_.get(), &handle), "no primary image");
    handle_.reset(handle);
  }
  const heif_image_handle* handle() const { return handle_.get(); }

 private:
  std::unique_ptr<heif_context, FreeContext> context_;
  std::unique_ptr<heif_image_handle, ReleaseHandle> handle_;
};

std::string colour_profile(const heif_image_handle* handle) {
  const heif_color_profile_type type = heif_image_handle_get_color_profile_type(handle);
  if (type != heif_color_profile_type_prof && type != heif_color_profile_type_rICC) return {};
  std::string profile(heif_image_handle_get_raw_color_profile_size(handle), '\0');
  if (profile.empty()) return {};
  check(heif_image_handle_get_raw_color_profile(handle, profile.data()), "bad colour profile");
  return profile;
}

}  // namespace

Size heif_size(std::string_view source) {
  const PrimaryImage primary(source);
  const int width = heif_image_handle_get_width(primary.handle());
  const int height = heif_image_handle_get_height(primary.handle());
  if (width <= 0 || height <= 0) throw Error(Errc::unsupported_image, "image has no size");
  return {static_cast<unsigned>(width), static_cast<unsigned>(height)};
}

DecodedPicture decode_heif(std::string_view source) {
  const PrimaryImage primary(source);
  DecodedPicture out;
  out.alpha = heif_image_handle_has_alpha_channel(primary.handle()) != 0;
  out.icc_profile = colour_profile(primary.handle());
  std::unique_ptr<heif_decoding_options, FreeOptions> options(heif_decoding_options_alloc());
  if (!options) throw Error(Errc::internal, "libheif: cannot make decoding options");
  options->convert_hdr_to_8bit = 1;
  options->strict_decoding = 1;  // a damaged or truncated stream fails, not a half picture
  heif_image* decoded = nullptr;
  check(heif_decode_image(primary.handle(), &decoded, heif_colorspace_RGB,
                          out.alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
                          options.get()),
        "cannot decode the image");
  const std::unique_ptr<heif_image, ReleaseImage> image(decoded);
  const int width = heif_image_get_width(image.get(), heif_channel_interleaved);
  const int height = heif_image_get_height(image.get(), heif_channel_interleaved);
  int stride = 0;
  const std::uint8_t* plane =
      heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  if (plane == nullptr || width <= 0 || height <= 0) {
    throw Error(Errc::unsupported_image, "image decoded to nothing");
  }
  out.width = static_cast<unsigned>(width);
  out.height = static_cast<unsigned>(height);
  const std::size_t row = std::size_t{out.width} * (out.alpha ? 4 : 3);
  if (stride < 0 || static_cast<std::size_t>(stride) < row) {
    throw Error(Errc::unsupported_image, "image decoded to rows too short");
  }
  out.pixels.resize(row * out.height);
  for (unsigned y = 0; y < out.height; ++y) {
    std::memcpy(out.pixels.data() + row * y, plane + std::size_t{y} * stride, row);
  }
  return out;
}

}  // namespace imgcache
