#include "tests/support/test_images.h"

#include <Magick++.h>
#include <avif/avif.h>
#include <jxl/decode.h>
#include <unistd.h>
#include <webp/decode.h>
#include <webp/demux.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace imgcache::testing {
namespace {

// GraphicsMagick's coder name: the format's name in capitals ("JPEG").
std::string magick_name(ImageFormat format) {
  std::string name(format_name(format));
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string to_string(const Magick::Blob& blob) {
  return std::string(static_cast<const char*>(blob.data()), blob.length());
}

Magick::Image photo(unsigned width, unsigned height) {
  static bool initialised = [] {
    Magick::InitializeMagick(nullptr);
    return true;
  }();
  (void)initialised;
  Magick::Image image;
  image.size(Magick::Geometry(width, height));
  image.read("gradient:#3a6-#fc4");
  // A little structure so resizes and crops are not flat: a darker diagonal band.
  image.strokeColor("#225");
  image.fillColor("#225");
  image.draw(Magick::DrawableLine(0, 0, width, height));
  return image;
}

// Magick++ throws when asked for a profile the image does not have.
bool has_profile(const Magick::Image& image, const char* name) {
  try {
    return image.profile(name).length() > 0;
  } catch (const Magick::Exception&) {
    return false;
  }
}

std::string encoded(Magick::Image& image) {
  Magick::Blob blob;
  image.write(&blob);
  return to_string(blob);
}

// Makes the left half of the image fully transparent.
void clear_left_half(Magick::Image& image) {
  image.matte(true);
  for (unsigned y = 0; y < image.rows(); ++y) {
    for (unsigned x = 0; x < image.columns() / 2; ++x) {
      image.pixelColor(x, y, Magick::Color(0, 0, 0, MaxRGB));
    }
  }
}

// Flat quadrants: red top left, green top right, blue bottom left, yellow bottom right.
Magick::Image quadrants(unsigned width, unsigned height) {
  photo(1, 1);  // initialises the library
  const unsigned char colours[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}};
  std::vector<unsigned char> pixels;
  pixels.reserve(std::size_t{width} * height * 3);
  for (unsigned y = 0; y < height; ++y) {
    for (unsigned x = 0; x < width; ++x) {
      const unsigned char* colour = colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)];
      pixels.insert(pixels.end(), colour, colour + 3);
    }
  }
  return Magick::Image(width, height, "RGB", Magick::CharPixel, pixels.data());
}

// Turns an upright image into the one to store with EXIF `orientation` (each transform
// undoes the one the orientation asks a viewer for).
void store_for_orientation(Magick::Image& image, unsigned orientation) {
  switch (orientation) {
    case 2:
      image.flop();
      break;
    case 3:
      image.rotate(180);
      break;
    case 4:
      image.flip();
      break;
    case 5:  // transpose
      image.rotate(90);
      image.flop();
      break;
    case 6:
      image.rotate(270);
      break;
    case 7:  // transverse
      image.rotate(90);
      image.flip();
      break;
    case 8:
      image.rotate(90);
      break;
  }
}

// The JPEG with an APP1 EXIF segment holding the given orientation tag.
std::string with_orientation(const std::string& jpeg, unsigned orientation) {
  // APP1: "Exif\0\0", little-endian TIFF header, IFD0 with one entry: Orientation (SHORT).
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x01\x00", 2);                          // one entry
  tiff += std::string("\x12\x01\x03\x00\x01\x00\x00\x00", 8);  // tag 0x0112, SHORT, count 1
  tiff += static_cast<char>(orientation);
  tiff += std::string("\0\0\0", 3);
  tiff += std::string("\0\0\0\0", 4);  // no next IFD
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::size_t length = payload.size() + 2;
  std::string segment = "\xff\xe1";
  segment += static_cast<char>(length >> 8);
  segment += static_cast<char>(length & 0xff);
  segment += payload;
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

}  // namespace

std::string make_image(ImageFormat format, unsigned width, unsigned height) {
  Magick::Image image = photo(width, height);
  image.magick(magick_name(format));
  image.quality(90);
  Magick::Blob blob;
  image.write(&blob);
  return to_string(blob);
}

std::string make_progressive_jpeg(unsigned width, unsigned height) {
  Magick::Image image = photo(width, height);
  image.magick("JPEG");
  image.quality(90);
  image.interlaceType(Magick::LineInterlace);
  Magick::Blob blob;
  image.write(&blob);
  return to_string(blob);
}

std::string make_noise_png(unsigned width, unsigned height) {
  photo(1, 1);  // initialises the library
  std::vector<unsigned char> pixels(std::size_t{width} * height * 3);
  std::uint32_t state = 2463534242u;  // xorshift: the same noise every run
  for (unsigned char& sample : pixels) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    sample = static_cast<unsigned char>(state);
  }
  Magick::Image image(width, height, "RGB", Magick::CharPixel, pixels.data());
  image.magick("PNG");
  Magick::Blob blob;
  image.write(&blob);
  return to_string(blob);
}

std::string make_png_with_alpha(unsigned width, unsigned height) {
  Magick::Image image = photo(width, height);
  clear_left_half(image);
  image.magick("PNG");
  return encoded(image);
}

std::string make_animated_gif(unsigned width, unsigned height, unsigned frames) {
  photo(1, 1);  // initialises the library
  std::list<Magick::Image> images;
  const char* colours[] = {"red", "green", "blue", "yellow", "purple"};
  for (unsigned i = 0; i < frames; ++i) {
    Magick::Image frame(Magick::Geometry(width, height), Magick::Color(colours[i % 5]));
    frame.animationDelay(10);
    frame.magick("GIF");
    images.push_back(frame);
  }
  Magick::Blob blob;
  Magick::writeImages(images.begin(), images.end(), &blob, true);
  return to_string(blob);
}

std::string make_cmyk_jpeg(unsigned width, unsigned height) {
  Magick::Image image = photo(width, height);
  image.colorSpace(Magick::CMYKColorspace);
  image.magick("JPEG");
  Magick::Blob blob;
  image.write(&blob);
  return to_string(blob);
}

std::string make_jpeg_with_orientation(unsigned width, unsigned height, unsigned orientation) {
  return with_orientation(make_image(ImageFormat::jpeg, width, height), orientation);
}

std::string make_png_bomb(unsigned width, unsigned height) {
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (unsigned v : {width, height}) {
    png += static_cast<char>(v >> 24);
    png += static_cast<char>((v >> 16) & 0xff);
    png += static_cast<char>((v >> 8) & 0xff);
    png += static_cast<char>(v & 0xff);
  }
  png += std::string("\x08\x02\0\0\0", 5);
  png += std::string(64, '\x55');
  return png;
}

std::string make_oriented_quadrants_jpeg(unsigned width, unsigned height, unsigned orientation) {
  Magick::Image image = quadrants(width, height);
  store_for_orientation(image, orientation);
  image.magick("JPEG");
  image.quality(90);
  return with_orientation(encoded(image), orientation);
}

std::string make_grey_jpeg(unsigned width, unsigned height) {
  Magick::Image image = photo(width, height);
  image.type(Magick::GrayscaleType);
  image.magick("JPEG");
  image.quality(90);
  return encoded(image);
}

std::string make_png(PngLayout layout, unsigned width, unsigned height) {
  Magick::Image image = photo(width, height);
  // GraphicsMagick's coders PNG8, PNG24, PNG32 and PNG48 fix the layout; plain PNG
  // writes a grey image grey.
  switch (layout) {
    case PngLayout::grey:
      image.type(Magick::GrayscaleType);
      image.depth(8);
      image.magick("PNG");
      break;
    case PngLayout::palette_transparent: {
      // PNG8 writes a broken tRNS chunk; a transparent GIF written as PNG keeps its palette
      // and gets a good one.
      const std::string gif = make_gif(GifLayout::still_transparent, width, height);
      image = Magick::Image(Magick::Blob(gif.data(), gif.size()));
      image.magick("PNG");
      // It warns that the background colour is not in the palette, and writes no bKGD.
      image.quiet(true);
      break;
    }
    case PngLayout::palette:
      image.magick("PNG8");
      break;
    case PngLayout::interlaced:
      image.interlaceType(Magick::LineInterlace);
      [[fallthrough]];
    case PngLayout::rgb:
      image.magick("PNG24");
      break;
    case PngLayout::rgba:
      clear_left_half(image);
      image.magick("PNG32");
      break;
    case PngLayout::rgb16:
      image.magick("PNG48");
      break;
  }
  return encoded(image);
}

std::string make_gif(GifLayout layout, unsigned width, unsigned height) {
  Magick::Image image = photo(width, height);
  if (layout == GifLayout::still_transparent) clear_left_half(image);
  if (layout == GifLayout::interlaced) image.interlaceType(Magick::LineInterlace);
  image.magick("GIF");
  return encoded(image);
}

std::string make_animated_gif_with_offsets(unsigned width, unsigned height) {
  struct Part {
    const char* colour;
    unsigned width, height, x, y;
    unsigned dispose;  // 1 none, 2 background, 3 previous
  };
  const Part parts[] = {
      {"red", width, height, 0, 0, 1},
      {"lime", width / 2, height / 2, width / 4, height / 4, 2},
      {"blue", width / 3, height / 3, 0, 0, 3},
      {"yellow", width / 4, height / 4, width - width / 4, height - height / 4, 1},
  };
  photo(1, 1);  // initialises the library
  std::list<Magick::Image> frames;
  for (const Part& part : parts) {
    Magick::Image frame(Magick::Geometry(part.width, part.height), Magick::Color(part.colour));
    frame.page(Magick::Geometry(width, height, part.x, part.y));
    frame.gifDisposeMethod(part.dispose);
    frame.animationDelay(10);
    frame.magick("GIF");
    frames.push_back(frame);
  }
  Magick::Blob blob;
  Magick::writeImages(frames.begin(), frames.end(), &blob, true);
  return to_string(blob);
}

namespace {

// The features of a WebP file; nullopt for bytes that are not one.
std::optional<WebPBitstreamFeatures> webp_features(const std::string& bytes) {
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                      &features) != VP8_STATUS_OK) {
    return std::nullopt;
  }
  return features;
}

Decoded decode_animated_webp(const std::string& bytes) {
  const WebpAnimation animation = decode_webp_animation(bytes);
  Decoded out;
  out.format = "WEBP";
  out.width = animation.width;
  out.height = animation.height;
  out.frames = static_cast<unsigned>(animation.frames_rgba.size());
  out.has_alpha = webp_features(bytes)->has_alpha != 0;
  return out;
}

}  // namespace

WebpAnimation decode_webp_animation(const std::string& bytes) {
  const WebPData data{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
  WebPAnimDecoderOptions options;
  WebPAnimDecoderOptionsInit(&options);
  options.color_mode = MODE_RGBA;
  std::unique_ptr<WebPAnimDecoder, decltype(&WebPAnimDecoderDelete)> decoder(
      WebPAnimDecoderNew(&data, &options), &WebPAnimDecoderDelete);
  WebPAnimInfo info;
  if (!decoder || !WebPAnimDecoderGetInfo(decoder.get(), &info)) {
    throw std::runtime_error("not a WebP that libwebp decodes");
  }
  WebpAnimation out;
  out.width = info.canvas_width;
  out.height = info.canvas_height;
  out.loop_count = info.loop_count;
  int shown_until = 0;
  while (WebPAnimDecoderHasMoreFrames(decoder.get())) {
    std::uint8_t* pixels = nullptr;
    int timestamp = 0;  // when the frame ends
    if (!WebPAnimDecoderGetNext(decoder.get(), &pixels, &timestamp)) {
      throw std::runtime_error("undecodable WebP frame");
    }
    out.durations_ms.push_back(timestamp - shown_until);
    shown_until = timestamp;
    out.frames_rgba.emplace_back(reinterpret_cast<const char*>(pixels),
                                 std::size_t{out.width} * out.height * 4);
  }
  return out;
}

bool is_avif(const std::string& bytes) {
  return bytes.size() >= 12 && bytes.compare(4, 4, "ftyp") == 0 &&
         (bytes.compare(8, 4, "avif") == 0 || bytes.compare(8, 4, "avis") == 0);
}

std::vector<unsigned> avif_durations_ms(const std::string& bytes) {
  std::unique_ptr<avifDecoder, void (*)(avifDecoder*)> decoder(avifDecoderCreate(),
                                                               avifDecoderDestroy);
  if (!decoder ||
      avifDecoderSetIOMemory(decoder.get(), reinterpret_cast<const std::uint8_t*>(bytes.data()),
                             bytes.size()) != AVIF_RESULT_OK ||
      avifDecoderParse(decoder.get()) != AVIF_RESULT_OK) {
    throw std::runtime_error("libavif cannot parse the AVIF");
  }
  std::vector<unsigned> durations;
  for (int i = 0; i < decoder->imageCount; ++i) {
    avifImageTiming timing;
    if (avifDecoderNthImageTiming(decoder.get(), static_cast<std::uint32_t>(i), &timing) !=
        AVIF_RESULT_OK) {
      throw std::runtime_error("libavif cannot time a frame");
    }
    durations.push_back(static_cast<unsigned>(timing.duration * 1000 + 0.5));
  }
  return durations;
}

JxlTiming jxl_timing(const std::string& bytes) {
  std::unique_ptr<JxlDecoder, void (*)(JxlDecoder*)> decoder(JxlDecoderCreate(nullptr),
                                                             JxlDecoderDestroy);
  if (!decoder ||
      JxlDecoderSubscribeEvents(decoder.get(), JXL_DEC_BASIC_INFO | JXL_DEC_FRAME) !=
          JXL_DEC_SUCCESS ||
      JxlDecoderSetInput(decoder.get(), reinterpret_cast<const std::uint8_t*>(bytes.data()),
                         bytes.size()) != JXL_DEC_SUCCESS) {
    throw std::runtime_error("libjxl cannot start");
  }
  JxlDecoderCloseInput(decoder.get());
  JxlTiming timing;
  double ms_per_tick = 0;
  for (;;) {
    const JxlDecoderStatus status = JxlDecoderProcessInput(decoder.get());
    if (status == JXL_DEC_SUCCESS) return timing;
    if (status == JXL_DEC_BASIC_INFO) {
      JxlBasicInfo info;
      JxlDecoderGetBasicInfo(decoder.get(), &info);
      timing.loops = info.animation.num_loops;
      if (info.have_animation && info.animation.tps_numerator > 0) {
        ms_per_tick = 1000.0 * info.animation.tps_denominator / info.animation.tps_numerator;
      }
    } else if (status == JXL_DEC_FRAME) {
      JxlFrameHeader header;
      JxlDecoderGetFrameHeader(decoder.get(), &header);
      timing.durations_ms.push_back(static_cast<unsigned>(header.duration * ms_per_tick + 0.5));
    } else {
      throw std::runtime_error("libjxl cannot read the frames");
    }
  }
}

bool is_jxl(const std::string& bytes) {
  return bytes.compare(0, 2, "\xff\x0a") == 0 ||
         bytes.compare(0, 12, std::string("\0\0\0\x0cJXL \r\n\x87\n", 12)) == 0;
}

std::string converted(const std::string& tool, const std::string& bytes, const std::string& in_name,
                      const std::string& out_name) {
  char dir_template[] = "/tmp/imgcache-convert-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) throw std::runtime_error("cannot make a temporary directory");
  const std::string in = std::string(dir) + "/" + in_name, out = std::string(dir) + "/" + out_name;
  std::FILE* file = std::fopen(in.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("cannot write " + in);
  std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
  std::string command = tool;
  command.replace(command.find("{in}"), 4, "'" + in + "'");
  command.replace(command.find("{out}"), 5, "'" + out + "'");
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  std::string result;
  if (status == 0) {
    std::FILE* written = std::fopen(out.c_str(), "rb");
    for (int c; written != nullptr && (c = std::fgetc(written)) != EOF;)
      result += static_cast<char>(c);
    if (written != nullptr) std::fclose(written);
  }
  std::remove(in.c_str());
  std::remove(out.c_str());
  rmdir(dir);
  if (result.empty()) throw std::runtime_error("'" + tool + "' made nothing");
  return result;
}

std::string readable(const std::string& bytes) {
  if (is_avif(bytes)) return converted("avifdec {in} {out}", bytes, "in.avif", "out.png");
  if (is_jxl(bytes)) return converted("djxl {in} {out}", bytes, "in.jxl", "out.png");
  return bytes;
}

Decoded decode(const std::string& bytes) {
  if (auto webp = webp_features(bytes); webp && webp->has_animation) {
    return decode_animated_webp(bytes);
  }
  photo(1, 1);
  std::list<Magick::Image> frames;
  const std::string image = readable(bytes);
  Magick::readImages(&frames, Magick::Blob(image.data(), image.size()));
  Decoded out;
  const Magick::Image& first = frames.front();
  out.format = is_avif(bytes) ? "AVIF" : is_jxl(bytes) ? "JXL" : first.magick();
  out.width = static_cast<unsigned>(first.columns());
  out.height = static_cast<unsigned>(first.rows());
  out.frames = is_avif(bytes)  ? static_cast<unsigned>(avif_durations_ms(bytes).size())
               : is_jxl(bytes) ? static_cast<unsigned>(jxl_timing(bytes).durations_ms.size())
                               : static_cast<unsigned>(frames.size());
  out.has_alpha = first.matte();
  out.cmyk = first.colorSpace() == Magick::CMYKColorspace;
  out.has_exif = has_profile(first, "EXIF");
  out.has_icc = first.iccColorProfile().length() > 0;
  return out;
}

double psnr(const std::string& a, const std::string& b) {
  photo(1, 1);
  auto samples = [](const std::string& bytes) {
    const std::string readable_bytes = readable(bytes);
    Magick::Image image(Magick::Blob(readable_bytes.data(), readable_bytes.size()));
    Magick::Blob rgb;
    image.write(&rgb, "RGB", 8);
    return to_string(rgb);
  };
  std::string x = samples(a);
  std::string y = samples(b);
  if (x.size() != y.size() || x.empty()) throw std::runtime_error("psnr: images differ in size");
  double squared_error = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double d =
        static_cast<unsigned char>(x[i]) - static_cast<double>(static_cast<unsigned char>(y[i]));
    squared_error += d * d;
  }
  double mean = squared_error / static_cast<double>(x.size());
  return mean == 0 ? std::numeric_limits<double>::infinity()
                   : 10 * std::log10(255.0 * 255.0 / mean);
}

}  // namespace imgcache::testing
