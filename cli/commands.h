// The subcommands of `imgcache`, one file each (cmd_<name>.cc). Each add_<name>_command
// binds its options on a CLI11 subcommand and, when that subcommand is chosen, sets
// Context::run to the function that does the work; main() runs it after parsing.
// Exit codes (SPEC §8): 0 success, 1 an item failed, 2 usage or config error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/config_flags.h"

namespace imgcache {

struct Context {
  ConfigFlags config_flags;
  std::function<int()> run;
};

void add_sign_command(CLI::App& app, Context& context);
void add_verify_command(CLI::App& app, Context& context);
void add_resize_command(CLI::App& app, Context& context);
void add_info_command(CLI::App& app, Context& context);
void add_config_command(CLI::App& app, Context& context);
void add_warm_command(CLI::App& app, Context& context);
void add_purge_command(CLI::App& app, Context& context);
void add_prune_command(CLI::App& app, Context& context);
void add_inspect_command(CLI::App& app, Context& context);
void add_stats_command(CLI::App& app, Context& context);

}  // namespace imgcache
