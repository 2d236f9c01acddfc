// Animated WebP, encoded by libwebp's animation encoder (libwebpmux) from RGBA frames of one
// canvas size, lossy at a given quality, alpha kept. Also how a GIF's timing reads in WebP's
// terms, as browsers play the GIF (and as libwebp's gif2webp converts it).
// An encoder is used by one thread at a time; separate encoders are independent.
#pragma once

#include <memory>
#include <span>
#include <string>

struct WebPAnimEncoder;

namespace imgcache {

struct WebpAnimationSettings {
  unsigned width = 0;
  unsigned height = 0;
  float quality = 80;       // lossy quality, 1..100
  unsigned loop_count = 0;  // times the animation plays; 0: forever
};

class WebpAnimationEncoder {
 public:
  // Throws Error(internal) when libwebp refuses the settings.
  explicit WebpAnimationEncoder(const WebpAnimationSettings& settings);
  WebpAnimationEncoder(const WebpAnimationEncoder&) = delete;
  WebpAnimationEncoder& operator=(const WebpAnimationEncoder&) = delete;
  ~WebpAnimationEncoder();

  // Appends a frame shown for `duration_ms` (at least 1): width × height pixels, rows top
  // to bottom, four bytes each (R, G, B, alpha). A frame equal to the one before lengthens
  // that one. Throws Error(internal).
  void add(std::span<const unsigned char> rgba, unsigned duration_ms);

  // The WebP file of the frames added so far; the encoder takes no more. Throws
  // Error(internal).
  std::string finish();

 private:
  struct Delete {
    void operator()(WebPAnimEncoder* encoder) const;
  };

  [[noreturn]] void fail(const char* what) const;

  WebpAnimationSettings settings_;
  std::unique_ptr<WebPAnimEncoder, Delete> encoder_;
  int timestamp_ms_ = 0;  // where the next frame starts
};

// A GIF frame's delay, in centiseconds, as a WebP frame duration in milliseconds. Browsers
// play delays of 10 ms or less as 100 ms.
unsigned webp_frame_duration_ms(unsigned gif_delay_cs);

// A GIF's iterations as GraphicsMagick reads and writes them (0: forever; 1: no loop
// extension, played once; N > 1: the loop extension's count, which browsers play N + 1
// times) as WebP's loop count (times played, 0: forever).
unsigned webp_loop_count(unsigned gif_iterations);

}  // namespace imgcache
