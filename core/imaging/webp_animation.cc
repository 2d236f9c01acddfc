#include "core/imaging/webp_animation.h"

#include <webp/encode.h>
#include <webp/mux.h>

#include <algorithm>

#include "core/error.h"

namespace imgcache {
namespace {

// A WebPPicture holding a copy of one frame's pixels, freed on scope exit.
struct Picture : WebPPicture {
  Picture(std::span<const unsigned char> rgba, unsigned columns, unsigned rows) {
    WebPPictureInit(this);
    use_argb = 1;
    width = static_cast<int>(columns);
    height = static_cast<int>(rows);
    imported = WebPPictureImportRGBA(this, rgba.data(), static_cast<int>(columns * 4)) != 0;
  }
  ~Picture() { WebPPictureFree(this); }
  Picture(const Picture&) = delete;
  Picture& operator=(const Picture&) = delete;

  bool imported = false;
};

WebPConfig lossy_config(float quality) {
  WebPConfig config;
  WebPConfigInit(&config);
  config.quality = quality;
  return config;
}

}  // namespace

void WebpAnimationEncoder::Delete::operator()(WebPAnimEncoder* encoder) const {
  WebPAnimEncoderDelete(encoder);
}

WebpAnimationEncoder::WebpAnimationEncoder(const WebpAnimationSettings& settings)
    : settings_(settings) {
  WebPAnimEncoderOptions options;
  if (!WebPAnimEncoderOptionsInit(&options)) fail("libwebp version mismatch");
  options.anim_params.loop_count = static_cast<int>(settings.loop_count);
  encoder_.reset(WebPAnimEncoderNew(static_cast<int>(settings.width),
                                    static_cast<int>(settings.height), &options));
  if (!encoder_) fail("cannot start the WebP animation");
}

WebpAnimationEncoder::~WebpAnimationEncoder() = default;

void WebpAnimationEncoder::add(std::span<const unsigned char> rgba, unsigned duration_ms) {
  if (rgba.size() != std::size_t{settings_.width} * settings_.height * 4) {
    fail("frame size differs from the canvas");
  }
  Picture picture(rgba, settings_.width, settings_.height);
  if (!picture.imported) fail("cannot import the frame's pixels");
  const WebPConfig config = lossy_config(settings_.quality);
  if (!WebPAnimEncoderAdd(encoder_.get(), &picture, timestamp_ms_, &config)) {
    fail("cannot encode a WebP frame");
  }
  timestamp_ms_ += static_cast<int>(std::max(duration_ms, 1u));
}

std::string WebpAnimationEncoder::finish() {
  if (!WebPAnimEncoderAdd(encoder_.get(), nullptr, timestamp_ms_, nullptr)) {
    fail("cannot end the WebP animation");
  }
  WebPData data;
  WebPDataInit(&data);
  if (!WebPAnimEncoderAssemble(encoder_.get(), &data)) fail("cannot assemble the WebP animation");
  std::string bytes(reinterpret_cast<const char*>(data.bytes), data.size);
  WebPDataClear(&data);
  return bytes;
}

void WebpAnimationEncoder::fail(const char* what) const {
  const char* reason = encoder_ ? WebPAnimEncoderGetError(encoder_.get()) : "";
  throw Error(Errc::internal, std::string(what) + (*reason ? std::string(": ") + reason : ""));
}

unsigned webp_frame_duration_ms(unsigned gif_delay_cs) {
  const unsigned ms = gif_delay_cs * 10;
  return ms <= 10 ? 100 : ms;
}

unsigned webp_loop_count(unsigned gif_iterations) {
  if (gif_iterations <= 1) return gif_iterations;
  return std::min(gif_iterations + 1, 65535u);  // WebP keeps 16 bits
}

}  // namespace imgcache
