// imgcache verify URL   — exit 0 if the URL's token is valid now, 1 with the reason if not.
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/sign.h"

namespace imgcache {
namespace {

struct VerifyOptions {
  std::string url;
};

int run_verify(const VerifyOptions& options, const Context& context) {
  Config config = context.config_flags.load();
  if (config.sign == SignScheme::none) {
    throw Error(Errc::bad_config, "sign = none: set sign = md5 or hmac-sha256 (or --sign)");
  }
  std::string_view url = options.url;
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    auto path = url.find('/', scheme + 3);
    url = path == std::string_view::npos ? std::string_view("/") : url.substr(path);
  }
  auto question = url.find('?');
  std::string path(url.substr(0, question));
  std::string_view query = question == std::string_view::npos ? "" : url.substr(question + 1);
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  switch (verify_token(signing_keys(config), percent_decode(path), query, now)) {
    case Verdict::ok:
      std::cout << "valid\n";
      return 0;
    case Verdict::missing:
      std::cerr << "invalid: no auth parameter\n";
      return 1;
    case Verdict::bad:
      std::cerr << "invalid: token does not match\n";
      return 1;
    case Verdict::expired:
      std::cerr << "expired\n";
      return 1;
  }
  return 1;
}

}  // namespace

void add_verify_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* command = app.add_subcommand("verify", "Check the token of a signed URL");
  command->add_option("url", options->url, "Signed URL or path with ?auth=…")->required();
  run_when_chosen(command, options, context, run_verify);
}

}  // namespace imgcache
