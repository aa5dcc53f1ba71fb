// SPDX-License-Identifier: MIT
// `token`: the bearer token and nothing else on stdout, for Claude Code's apiKeyHelper and
// Codex's auth command, which take the whole of stdout as the credential. With
// --otel-headers it prints {"Authorization":"Bearer <token>"} instead, the JSON object of
// headers that Claude Code's otelHeadersHelper and Codex's [otel] headers_helper expect.
// With an OAuth credential (--auth databricks-cli) each run mints the token: `databricks auth
// token` for the kept host or profile, which answers from its own cache while it can. A
// failure is exit 4 with the CLI's message and the login to run; stdout then stays empty.
#include <memory>

#include "cli/commands.hpp"
#include "core/credentials.hpp"

namespace aigw::cli {

CommandRunner
setup_token(CLI::App& command)
{
  auto otel_headers = std::make_shared<bool>(false);
  command.add_flag("--otel-headers", *otel_headers,
                   "print the OTel export headers as JSON (for telemetry enable's helpers)");
  return [otel_headers](Context& context) {
    const auto credential = util::value_or_throw(
      core::load_credential(context.paths.credentials_file()));
    const auto token = util::value_or_throw(core::current_token(credential, context.env));
    if (*otel_headers) {
      const nlohmann::json headers{{"Authorization", "Bearer " + token.reveal()}};
      context.out.write_secret(headers.dump());
    } else {
      context.out.write_secret(token.reveal());
    }
    return ExitCode::ok;
  };
}

} // namespace aigw::cli
