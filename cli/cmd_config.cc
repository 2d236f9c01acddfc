// imgcache config check|print   — validate the effective config / show it in file syntax.
#include <iostream>

#include "cli/commands.h"

namespace imgcache {

void add_config_command(CLI::App& app, Context& context) {
  CLI::App* command = app.add_subcommand("config", "Check or print the effective config");
  command->require_subcommand(1);
  CLI::App* check = command->add_subcommand("check", "Exit 0 if the config is valid, else 2");
  CLI::App* print = command->add_subcommand("print", "Print every key with its effective value");
  check->callback([&context] {
    context.run = [&context] {
      context.config_flags.load();
      std::cout << "config ok\n";
      return 0;
    };
  });
  print->callback([&context] {
    context.run = [&context] {
      std::cout << format_config(context.config_flags.load());
      return 0;
    };
  });
}

}  // namespace imgcache
