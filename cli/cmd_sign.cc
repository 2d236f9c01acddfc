// imgcache sign URI... | -   — prints each URI with its token (SPEC §3), after checking it
// is a request the server takes (prefix, size, options).
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/sign.h"

namespace imgcache {
namespace {

struct SignOptions {
  std::vector<std::string> uris;
  std::string expires_in;
  std::int64_t expires_at = 0;
  std::string base_url;
};

int run_sign(const SignOptions& options, const Context& context) {
  Config config = context.config_flags.load();
  if (config.sign == SignScheme::none) {
    throw Error(Errc::bad_config, "sign = none: set sign = md5 or hmac-sha256 (or --sign)");
  }
  std::optional<std::int64_t> expires;
  if (options.expires_at > 0) expires = options.expires_at;
  if (!options.expires_in.empty()) {
    try {
      expires = static_cast<std::int64_t>(std::time(nullptr)) +
                parse_duration(options.expires_in).count();
    } catch (const Error& e) {
      throw Error(Errc::bad_config, std::string("--expires: ") + e.what());
    }
  }
  std::vector<std::string> uris = options.uris;
  if (uris.size() == 1 && uris[0] == "-") {
    uris.clear();
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty()) uris.push_back(line);
    }
  }
  for (const std::string& uri : uris) {
    if (uri.empty() || uri[0] != '/' || uri.find('?') != std::string::npos) {
      throw Error(Errc::bad_config, "'" + uri + "': a URI is a path starting with '/', no query");
    }
    // Only what the server would serve: a signed link to a refused request is no use.
    try {
      parse_image_request(uri, config);
    } catch (const Error& e) {
      throw Error(Errc::bad_config, "'" + uri + "': " + e.what());
    }
    std::cout << options.base_url << sign_uri(signing_keys(config), uri, expires) << '\n';
  }
  return 0;
}

}  // namespace

void add_sign_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<SignOptions>();
  CLI::App* command = app.add_subcommand("sign", "Print signed URLs for request paths");
  command->add_option("uri", options->uris, "Request paths (/image/150x150/a.jpg), or - for stdin")
      ->required();
  auto* in = command->add_option("--expires", options->expires_in,
                                 "Link lifetime from now (30m, 12h, 7d)");
  command->add_option("--expires-at", options->expires_at, "Link expiry, Unix seconds")
      ->excludes(in);
  command->add_option("--base-url", options->base_url,
                      "Prefix for the output (https://img.example.com)");
  run_when_chosen(command, options, context, run_sign);
}

}  // namespace imgcache
