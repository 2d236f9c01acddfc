// imgcache resize [options] IN OUT   — the server's pipeline on files ("-" = stdin/stdout).
#include <iostream>

#include "cli/commands.h"
#include "cli/io.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/render_options.h"

namespace imgcache {
namespace {

struct ResizeOptions {
  std::string input;
  std::string output;
  std::string size;
  bool crop = false;
  unsigned rotate = 0;
  unsigned quality = 0;
  std::string format;
};

// The options spelled as a URL operation segment, so both share one grammar.
std::string operation_spec(const ResizeOptions& options) {
  std::string spec = options.size;
  if (options.crop) spec += ",crop";
  if (options.rotate) spec += ",r" + std::to_string(options.rotate);
  if (options.quality) spec += ",q" + std::to_string(options.quality);
  if (!options.format.empty()) spec += "," + options.format;
  return spec;
}

int run_resize(const ResizeOptions& options, const Context& context) {
  Config config = context.config_flags.load();
  Operation operation;
  try {
    operation = parse_operation(operation_spec(options), config);
  } catch (const Error& e) {
    throw Error(Errc::bad_config, std::string("bad operation: ") + e.what());
  }
  init_imaging(image_limits(config));
  std::string source = read_input(options.input);
  EncodedImage image = render_image(source, operation, {}, render_options(config));
  write_output(options.output, image.bytes);
  if (options.output != "-") {
    std::cerr << options.output << ": " << format_name(image.format) << ' ' << image.width << 'x'
              << image.height << ", " << image.bytes.size() << " bytes\n";
  }
  return 0;
}

}  // namespace

void add_resize_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<ResizeOptions>();
  CLI::App* command = app.add_subcommand("resize", "Resize an image file as the server would");
  command->add_option("input", options->input, "Source image, or - for stdin")->required();
  command->add_option("output", options->output, "Output file, or - for stdout")->required();
  command->add_option("-s,--size", options->size, "Box WxH; '-' leaves a side free (150x-)")
      ->required();
  command->add_flag("-c,--crop", options->crop, "Cover the box and trim the overflow (centred)");
  command->add_option("-r,--rotate", options->rotate, "Rotate counter-clockwise: 90, 180, 270")
      ->check(CLI::IsMember({90u, 180u, 270u}));
  command->add_option("-q,--quality", options->quality, "JPEG/WebP quality 1..100")
      ->check(CLI::Range(1u, 100u));
  command->add_option("-f,--format", options->format, "Output format")
      ->check(CLI::IsMember({"jpeg", "png", "gif", "webp", "avif", "jxl"}));
  run_when_chosen(command, options, context, run_resize);
}

}  // namespace imgcache
