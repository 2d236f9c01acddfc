// imgcache: the command-line toolkit (SPEC §8).
#include <iostream>

#include "cli/commands.h"
#include "core/app/version.h"
#include "core/error.h"
#include "core/text.h"

int main(int argc, char** argv) {
  using namespace imgcache;
  CLI::App app("imgcache: sign URLs, resize images and manage the imgcache cache", "imgcache");
  app.set_version_flag("--version", std::string("imgcache ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global options (--config, --<key>) may follow the subcommand
  Context context;
  context.config_flags.add_to(app);
  add_sign_command(app, context);
  add_verify_command(app, context);
  add_resize_command(app, context);
  add_info_command(app, context);
  add_warm_command(app, context);
  add_purge_command(app, context);
  add_prune_command(app, context);
  add_inspect_command(app, context);
  add_stats_command(app, context);
  add_config_command(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return context.run();
  } catch (const Error& e) {
    std::cerr << prefixed_lines("imgcache: ", e.what());
    return exit_code(e.code());
  } catch (const std::exception& e) {
    std::cerr << prefixed_lines("imgcache: ", e.what());
    return 1;
  }
}
