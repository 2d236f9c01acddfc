// imgcache info FILE   — nginx image_filter `size` JSON for an image file.
#include <iostream>

#include "cli/commands.h"
#include "cli/io.h"
#include "core/render_options.h"

namespace imgcache {
namespace {

struct InfoOptions {
  std::string input;
};

int run_info(const InfoOptions& options, const Context& context) {
  Config config = context.config_flags.load();
  init_imaging(image_limits(config));
  std::string json =
      info_json(probe_image(read_input(options.input), image_limits(config), config.auto_orient));
  std::cout << json.substr(0, json.find('\r')) << '\n';
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* command = app.add_subcommand("info", "Print an image's type and dimensions as JSON");
  command->add_option("file", options->input, "Image file, or - for stdin")->required();
  run_when_chosen(command, options, context, run_info);
}

}  // namespace imgcache
