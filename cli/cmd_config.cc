// imgcache config check [--json] | print   — validate the effective config (naming the
// file read, or saying none was found) / show it in file syntax.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/error.h"

namespace imgcache {
namespace {

int run_check(bool json, const Context& context) {
  const std::string file = context.config_flags.file();
  const std::string read = file.empty() ? "none found; the built-in defaults" : file;
  try {
    context.config_flags.load();
  } catch (const Error& e) {
    if (!json) throw;
    const auto* problems = dynamic_cast<const ConfigError*>(&e);
    std::cout << Json()
                     .add("ok", false)
                     .add("file", file)
                     .add("errors",
                          problems ? problems->problems() : std::vector<std::string>{e.what()})
                     .str()
              << '\n';
    return exit_code(e.code());
  }
  if (json) {
    std::cout << Json().add("ok", true).add("file", file).str() << '\n';
  } else {
    std::cout << "config ok (" << read << ")\n";
  }
  return 0;
}

}  // namespace

void add_config_command(CLI::App& app, Context& context) {
  CLI::App* command = app.add_subcommand("config", "Check or print the effective config");
  command->require_subcommand(1);
  CLI::App* check = command->add_subcommand("check", "Exit 0 if the config is valid, else 2");
  auto json = std::make_shared<bool>(false);
  check->add_flag("--json", *json, "One JSON object on stdout: ok, file, errors");
  CLI::App* print = command->add_subcommand("print", "Print every key with its effective value");
  check->callback(
      [&context, json] { context.run = [&context, json] { return run_check(*json, context); }; });
  print->callback([&context] {
    context.run = [&context] {
      std::cout << format_config(context.config_flags.load());
      return 0;
    };
  });
}

}  // namespace imgcache
