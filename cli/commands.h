// The subcommands of `imgcache`, one file each (cmd_<name>.cc). Each add_<name>_command
// binds its options on a CLI11 subcommand and, when that subcommand is chosen, sets
// Context::run to the function that does the work; main() runs it after parsing.
// Exit codes (SPEC §8): 0 success, 1 an item failed, 2 usage or config error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "core/app/config_flags.h"

namespace imgcache {

struct Context {
  ConfigFlags config_flags;
  std::function<int()> run;
};

// Makes run(*options, context) the work of `command` once it is chosen.
template <typename Options>
void run_when_chosen(CLI::App* command, std::shared_ptr<Options> options, Context& context,
                     int (*run)(const Options&, const Context&)) {
  command->callback([options, &context, run] {
    context.run = [options, &context, run] { return run(*options, context); };
  });
}

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
