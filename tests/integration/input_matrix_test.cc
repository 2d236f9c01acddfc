// Everyday inputs through the real stack (front nginx → imgcache-fcgi → origin nginx):
// each JPEG, PNG, GIF and WebP kind made below, with each request of kRequests, must be
// answered with nginx image_filter's dimensions and a decodable image of the asked format
// (upright, for EXIF orientations), or with a refusal the man page documents. Expected
// sizes are computed here, independently of the product, from nginx's arithmetic
// (reference: nginx-semantics §1.5–1.7).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/stack.h"
#include "tests/support/icc_images.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

constexpr unsigned kAny = std::numeric_limits<unsigned>::max();  // "-" in the URL
constexpr unsigned kWidth = 120;  // every input but the 1x1 ones, as a viewer sees it
constexpr unsigned kHeight = 90;

struct Dimensions {
  unsigned width = 0;
  unsigned height = 0;
};

struct Input {
  std::string name;  // file name at the origin
  ImageFormat format = ImageFormat::jpeg;
  Dimensions viewed{kWidth, kHeight};  // after the EXIF orientation
  unsigned frames = 1;
  bool alpha = false;      // has transparent pixels
  bool quadrants = false;  // red, green, yellow, blue quadrants clockwise from the top left
  std::string bytes;
};

struct Request {
  const char* options;  // the URL's box and options
  Dimensions box;
  bool crop = false;
  unsigned rotate = 0;  // counter-clockwise degrees
  std::optional<ImageFormat> format;
};

const Request kRequests[] = {
    {"50x50", {50, 50}},
    {"-x-", {kAny, kAny}},
    {"60x40,crop", {60, 40}, true},
    {"-x-,r90", {kAny, kAny}, false, 90},
    {"-x-,r180", {kAny, kAny}, false, 180},
    {"-x-,r270", {kAny, kAny}, false, 270},
    {"80x50,r90", {80, 50}, false, 90},
    {"60x40,crop,r90", {60, 40}, true, 90},
    {"50x50,jpeg", {50, 50}, false, 0, ImageFormat::jpeg},
    {"50x50,png", {50, 50}, false, 0, ImageFormat::png},
    {"50x50,gif", {50, 50}, false, 0, ImageFormat::gif},
    {"50x50,webp", {50, 50}, false, 0, ImageFormat::webp},
    {"50x50,avif", {50, 50}, false, 0, ImageFormat::avif},
    {"50x50,jxl", {50, 50}, false, 0, ImageFormat::jxl},
};

// nginx's two-step truncating resize (§1.5).
Dimensions scale_to_fit(Dimensions size, Dimensions box) {
  if (size.width > box.width) {
    size.height = std::max(1u, size.height * box.width / size.width);
    size.width = box.width;
  }
  if (size.height > box.height) {
    size.width = std::max(1u, size.width * box.height / size.height);
    size.height = box.height;
  }
  return size;
}

// nginx's crop scaling (§1.6): the side is chosen by a floating-point aspect comparison.
Dimensions scale_to_cover(Dimensions size, Dimensions box) {
  const bool taller =
      static_cast<double>(size.width) / size.height < static_cast<double>(box.width) / box.height;
  if (taller && size.width > box.width) {
    size.height = std::max(1u, size.height * box.width / size.width);
    size.width = box.width;
  } else if (!taller && size.height > box.height) {
    size.width = std::max(1u, size.width * box.height / size.height);
    size.height = box.height;
  }
  return size;
}

// What nginx image_filter answers: scale, rotate, then trim to the box (§1.7).
Dimensions nginx_size(Dimensions source, const Request& request) {
  Dimensions size =
      request.crop ? scale_to_cover(source, request.box) : scale_to_fit(source, request.box);
  if (request.rotate == 90 || request.rotate == 270) std::swap(size.width, size.height);
  if (request.crop) {
    size.width = std::min(size.width, request.box.width);
    size.height = std::min(size.height, request.box.height);
  }
  return size;
}

std::vector<Input> jpeg_inputs() {
  using enum ImageFormat;
  std::vector<Input> inputs = {
      {.name = "jpeg-baseline.jpg", .bytes = make_image(jpeg, kWidth, kHeight)},
      {.name = "jpeg-progressive.jpg", .bytes = make_progressive_jpeg(kWidth, kHeight)},
      {.name = "jpeg-grey.jpg", .bytes = make_grey_jpeg(kWidth, kHeight)},
      {.name = "jpeg-cmyk.jpg", .bytes = make_cmyk_jpeg(kWidth, kHeight)},
      {.name = "jpeg-1x1.jpg", .viewed = {1, 1}, .bytes = make_image(jpeg, 1, 1)},
  };
  for (unsigned orientation = 1; orientation <= 8; ++orientation) {
    inputs.push_back({.name = "jpeg-exif-" + std::to_string(orientation) + ".jpg",
                      .quadrants = true,
                      .bytes = make_oriented_quadrants_jpeg(kWidth, kHeight, orientation)});
  }
  return inputs;
}

std::vector<Input> png_inputs() {
  auto png = [](const char* name, PngLayout layout, bool alpha = false) {
    return Input{.name = name,
                 .format = ImageFormat::png,
                 .alpha = alpha,
                 .bytes = make_png(layout, kWidth, kHeight)};
  };
  return {
      png("png-grey.png", PngLayout::grey),
      png("png-palette.png", PngLayout::palette),
      png("png-palette-trns.png", PngLayout::palette_transparent, true),
      png("png-rgb.png", PngLayout::rgb),
      png("png-rgba.png", PngLayout::rgba, true),
      png("png-16bit.png", PngLayout::rgb16),
      png("png-interlaced.png", PngLayout::interlaced),
      {.name = "png-1x1.png",
       .format = ImageFormat::png,
       .viewed = {1, 1},
       .bytes = make_png(PngLayout::rgb, 1, 1)},
  };
}

std::vector<Input> gif_inputs() {
  auto gif = [](const char* name, GifLayout layout, bool alpha = false) {
    return Input{.name = name,
                 .format = ImageFormat::gif,
                 .alpha = alpha,
                 .bytes = make_gif(layout, kWidth, kHeight)};
  };
  return {
      gif("gif-still.gif", GifLayout::still),
      gif("gif-still-transparent.gif", GifLayout::still_transparent, true),
      gif("gif-interlaced.gif", GifLayout::interlaced),
      {.name = "gif-animated.gif",
       .format = ImageFormat::gif,
       .frames = 3,
       .bytes = make_animated_gif(kWidth, kHeight, 3)},
      {.name = "gif-animated-offsets.gif",
       .format = ImageFormat::gif,
       .frames = 4,
       .bytes = make_animated_gif_with_offsets(kWidth, kHeight)},
  };
}

std::vector<Input> webp_inputs() {
  const std::string photo = make_image(ImageFormat::png, kWidth, kHeight);
  // `tool` of Debian's webp package on a PNG (or a GIF with gif2webp).
  auto webp = [&](const char* name, const std::string& tool, const std::string& source) {
    const bool gif = tool == "gif2webp";
    return Input{.name = name,
                 .format = ImageFormat::webp,
                 .bytes = converted(tool + " -quiet {in} -o {out}", source,
                                    gif ? "in.gif" : "in.png", "out.webp")};
  };
  Input alpha = webp("webp-alpha.webp", "cwebp -q 80", make_png_with_alpha(kWidth, kHeight));
  alpha.alpha = true;
  Input animated = webp("webp-animated.webp", "gif2webp", make_animated_gif(kWidth, kHeight, 3));
  animated.frames = 3;
  return {webp("webp-lossy.webp", "cwebp -q 80", photo),
          webp("webp-lossless.webp", "cwebp -lossless", photo), alpha, animated};
}

// AVIF, HEIC and JPEG XL, made by Debian's avifenc, heif-enc and cjxl from PNGs.
std::vector<Input> avif_heic_jxl_inputs() {
  const std::string photo = make_image(ImageFormat::png, kWidth, kHeight);
  // 8 bits a sample: djxl 0.7 cannot write back a JPEG XL that cjxl made of 16-bit RGBA.
  const std::string translucent = converted(
      "gm convert {in} -depth 8 {out}", make_png_with_alpha(kWidth, kHeight), "in.png", "out.png");
  auto by = [](const std::string& name, ImageFormat format, const std::string& tool,
               const std::string& source, bool alpha = false) {
    const std::string out = "out" + name.substr(name.rfind('.'));  // the tools go by it
    return Input{.name = name,
                 .format = format,
                 .alpha = alpha,
                 .bytes = converted(tool, source, "in.png", out)};
  };
  using enum ImageFormat;
  return {by("avif-photo.avif", avif, "avifenc -s 8 {in} {out}", photo),
          by("avif-alpha.avif", avif, "avifenc -s 8 {in} {out}", translucent, true),
          by("heic-photo.heic", heic, "heif-enc -q 60 {in} -o {out}", photo),
          by("jxl-photo.jxl", jxl, "cjxl {in} {out}", photo),
          by("jxl-alpha.jxl", jxl, "cjxl {in} {out}", translucent, true)};
}

// Writes every input into `origin` and describes it.
std::vector<Input> write_inputs(const TempDir& origin) {
  std::vector<Input> inputs;
  for (auto make : {jpeg_inputs, png_inputs, gif_inputs, webp_inputs, avif_heic_jxl_inputs}) {
    for (Input& input : make()) inputs.push_back(std::move(input));
  }
  for (const Input& input : inputs) origin.write(input.name, input.bytes);
  ::chmod(origin.path().c_str(), 0755);
  return inputs;
}

// Every path fetched through the stack, `threads` at a time.
std::vector<HttpResult> fetch_all(const Stack& stack, const std::vector<std::string>& paths,
                                  unsigned threads) {
  std::vector<HttpResult> results(paths.size());
  std::atomic<std::size_t> next = 0;
  {
    std::vector<std::jthread> workers;
    for (unsigned i = 0; i < threads; ++i) {
      workers.emplace_back([&] {
        for (std::size_t k; (k = next++) < paths.size();) results[k] = stack.get(paths[k]);
      });
    }
  }
  return results;
}

std::string upper(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The quadrant colour nearest to `colour`.
std::string quadrant_colour(Rgb colour) {
  struct Named {
    const char* name;
    Rgb rgb;
  };
  const Named named[] = {{"red", {255, 0, 0}},
                         {"green", {0, 255, 0}},
                         {"yellow", {255, 255, 0}},
                         {"blue", {0, 0, 255}}};
  auto distance = [&](const Rgb& to) {
    auto d = [](double a, double b) { return (a - b) * (a - b); };
    return d(colour.r, to.r) + d(colour.g, to.g) + d(colour.b, to.b);
  };
  return std::min_element(
             std::begin(named), std::end(named),
             [&](const Named& a, const Named& b) { return distance(a.rgb) < distance(b.rgb); })
      ->name;
}

// The quadrants, upright, then turned `rotate` degrees counter-clockwise: each turn brings
// the next quadrant clockwise to the top left.
void expect_upright(const std::string& image, const Decoded& decoded, unsigned rotate) {
  const char* clockwise[] = {"red", "green", "yellow", "blue"};
  const unsigned w = decoded.width, h = decoded.height;
  const unsigned x[] = {w / 4, w * 3 / 4, w * 3 / 4, w / 4};
  const unsigned y[] = {h / 4, h / 4, h * 3 / 4, h * 3 / 4};
  for (unsigned corner = 0; corner < 4; ++corner) {
    EXPECT_EQ(quadrant_colour(pixel_at(image, x[corner], y[corner])),
              clockwise[(corner + rotate / 90) % 4])
        << "at " << x[corner] << "," << y[corner];
  }
}

// True when the source is sent as the origin has it: it fits the box, and neither a
// rotation nor a format change is asked.
bool needs_no_change(const Input& input, const Request& request) {
  return input.viewed.width <= request.box.width && input.viewed.height <= request.box.height &&
         request.rotate == 0 && request.format.value_or(input.format) == input.format;
}

// GraphicsMagick decodes no animated WebP: such a source is sent as it is when it needs no
// change, and refused as undecodable otherwise.
void expect_animated_webp_cell(const Input& input, const Request& request,
                               const HttpResult& response) {
  if (needs_no_change(input, request)) {
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.body == input.bytes) << "not the origin's bytes";
  } else {
    EXPECT_EQ(response.status, 415);
  }
}

void expect_cell(const Input& input, const Request& request, const HttpResult& response) {
  if (input.format == ImageFormat::webp && input.frames > 1) {
    return expect_animated_webp_cell(input, request, response);
  }
  ASSERT_EQ(response.status, 200) << response.body;
  // HEIC and JPEG XL sources are answered as JPEG, or PNG when translucent, unless a format
  // is asked: not every browser shows them.
  const ImageFormat own = input.alpha ? ImageFormat::png : ImageFormat::jpeg;
  const ImageFormat format =
      request.format.value_or(shown_everywhere(input.format) ? input.format : own);
  EXPECT_EQ(response.header("content-type"), format_mime_type(format));
  Decoded decoded;
  ASSERT_NO_THROW(decoded = decode(response.body));
  EXPECT_EQ(decoded.format, upper(format_name(format)));
  const Dimensions expected = nginx_size(input.viewed, request);
  EXPECT_EQ(decoded.width, expected.width);
  EXPECT_EQ(decoded.height, expected.height);
  // GIF, WebP, AVIF and JPEG XL output keep the frames of an animated source (the
  // animations here loop forever, which AVIF needs); JPEG and PNG hold the first.
  const bool animates = format != ImageFormat::jpeg && format != ImageFormat::png;
  EXPECT_EQ(decoded.frames, animates ? input.frames : 1);
  if (input.alpha && format != ImageFormat::jpeg) {
    EXPECT_TRUE(decoded.has_alpha);
  }
  if (input.quadrants) expect_upright(response.body, decoded, request.rotate);
}

// The responder's log line for a request of `uri`, or "".
std::string log_line(const std::string& log, const std::string& uri) {
  const auto at = log.find(" uri=" + uri + " ");
  if (at == std::string::npos) return "";
  const auto start = log.rfind('\n', at) + 1;  // npos + 1 is 0: the first line
  return log.substr(start, log.find('\n', at) - start);
}

TEST(InputMatrix, EveryInputWithEveryRequest) {
  TempDir origin;
  const std::vector<Input> inputs = write_inputs(origin);
  Stack stack({.origin_root = origin.path()});
  std::vector<std::string> paths;
  for (const Input& input : inputs) {
    for (const Request& request : kRequests) {
      paths.push_back(std::string("/image/") + request.options + "/" + input.name);
    }
  }
  const std::vector<HttpResult> responses = fetch_all(stack, paths, 4);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const Input& input = inputs[i / std::size(kRequests)];
    const Request& request = kRequests[i % std::size(kRequests)];
    SCOPED_TRACE(input.name + " × " + request.options);
    expect_cell(input, request, responses[i]);
  }
  const std::string refusal = log_line(stack.responder_log(), "/image/50x50/webp-animated.webp");
  EXPECT_NE(refusal.find("error=\"cannot decode image"), std::string::npos) << refusal;
}

}  // namespace
}  // namespace imgcache::testing
