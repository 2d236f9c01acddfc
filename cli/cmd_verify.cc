// imgcache verify [--json] URL   — exit 0 if the URL's token is valid now, 1 with the
// reason if not.
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/sign.h"

namespace imgcache {
namespace {

struct VerifyOptions {
  std::string url;
  bool json = false;
};

// Why a token is not valid now; "" when it is.
const char* reason(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return "";
    case Verdict::missing:
      return "no auth parameter";
    case Verdict::bad:
      return "token does not match";
    case Verdict::expired:
      return "expired";
  }
  return "invalid";
}

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
  const Verdict verdict = verify_token(signing_keys(config), percent_decode(path), query, now);
  const bool valid = verdict == Verdict::ok;
  if (options.json) {
    Json out;
    out.add("valid", valid);
    if (!valid) out.add("reason", reason(verdict));
    std::cout << out.str() << '\n';
  } else if (valid) {
    std::cout << "valid\n";
  } else if (verdict == Verdict::expired) {
    std::cerr << "imgcache: expired\n";
  } else {
    std::cerr << "imgcache: invalid: " << reason(verdict) << '\n';
  }
  return valid ? 0 : 1;
}

}  // namespace

void add_verify_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* command = app.add_subcommand("verify", "Check the token of a signed URL");
  command->add_option("url", options->url, "Signed URL or path with ?auth=…")->required();
  command->add_flag("--json", options->json, "One JSON object on stdout: valid, reason");
  run_when_chosen(command, options, context, run_verify);
}

}  // namespace imgcache
