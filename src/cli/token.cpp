// SPDX-License-Identifier: MIT
// `token`: the bearer token and nothing else on stdout, for Claude Code's apiKeyHelper and
// Codex's auth command, which take the whole of stdout as the credential.
#include "cli/commands.hpp"
#include "core/credentials.hpp"

namespace aigw::cli {

CommandRunner
setup_token(CLI::App&)
{
  return [](Context& context) {
    const auto credential = util::value_or_throw(
      core::load_credential(context.paths.credentials_file()));
    const auto token = util::value_or_throw(core::current_token(credential, context.env));
    context.out.write_secret(token.reveal());
    return ExitCode::ok;
  };
}

} // namespace aigw::cli
