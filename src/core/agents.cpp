// SPDX-License-Identifier: MIT
#include "core/agents.hpp"

#include <chrono>
#include <regex>

#include "util/process.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

bool
valid_header_name(const std::string& name)
{
  static const std::regex k_token("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  return std::regex_match(name, k_token);
}

// Gemini CLI and Cursor run no credential helper, so a one-hour OAuth token would have to
// be written into their files and go stale there.
util::Result<void>
check_token_kind(const std::string& agent, const ConfigureRequest& request)
{
  if (request.token_kind != TokenKind::oauth) {
    return {};
  }
  if (agent == "gemini") {
    return util::fail(ErrorKind::usage,
                      "Gemini CLI cannot use --auth databricks-cli: it runs no credential "
                      "helper, and a one-hour OAuth token written into ~/.gemini/.env would "
                      "expire there; use --auth relay --relay-auth databricks-cli (the relay "
                      "keeps the token fresh), or configure gemini apart with --auth pat");
  }
  if (agent == "cursor") {
    return util::fail(ErrorKind::usage,
                      "Cursor cannot use --auth databricks-cli: it needs a static key (it runs "
                      "no credential helper and calls the gateway from Cursor's servers, which "
                      "cannot reach a local relay); configure cursor apart with --auth pat");
  }
  return {};
}

} // namespace

util::Result<Header>
parse_header(const std::string& text)
{
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    return util::fail(ErrorKind::usage,
                      "--header \"" + text + "\": expected \"Name: value\"");
  }
  Header header{std::string(util::trim(text.substr(0, colon))),
                std::string(util::trim(text.substr(colon + 1)))};
  if (!valid_header_name(header.name)) {
    return util::fail(ErrorKind::usage,
                      "--header \"" + text + "\": \"" + header.name
                        + "\" is not a valid header name");
  }
  if (header.value.find_first_of("\r\n,") != std::string::npos) {
    return util::fail(ErrorKind::usage,
                      "--header \"" + text
                        + "\": a value cannot hold a line break or a comma (Gemini CLI "
                          "separates headers with commas)");
  }
  return header;
}

util::Result<AgentPlan>
plan_agent(const std::string& agent, const ConfigureRequest& request, const Paths& paths)
{
  AIGW_TRY(check_token_kind(agent, request));
  if (agent == "claude") {
    return plan_claude(request, paths);
  }
  if (agent == "codex") {
    return plan_codex(request, paths);
  }
  if (agent == "gemini") {
    return plan_gemini(request, paths);
  }
  if (agent == "cursor") {
    return plan_cursor(request, paths);
  }
  return util::fail(ErrorKind::usage, "unknown agent \"" + agent + "\"");
}

std::vector<std::string>
detect_agents(const Paths& paths)
{
  const auto found = [](const char* binary, const std::filesystem::path& dir) {
    std::error_code error;
    return util::find_on_path(binary).has_value() || std::filesystem::is_directory(dir, error);
  };
  std::vector<std::string> agents;
  if (found("claude", paths.claude_settings.parent_path())) {
    agents.emplace_back("claude");
  }
  if (found("codex", paths.codex_dir)) {
    agents.emplace_back("codex");
  }
  if (found("gemini", paths.gemini_env.parent_path())) {
    agents.emplace_back("gemini");
  }
  if (found("cursor", paths.cursor_state_db.parent_path().parent_path())) {
    agents.emplace_back("cursor");
  }
  return agents;
}

std::optional<std::string>
installed_codex_version()
{
  if (!util::find_on_path("codex")) {
    return std::nullopt;
  }
  const auto output = util::run_capture({"codex", "--version"}, std::chrono::seconds(10));
  static const std::regex k_version("([0-9]+\\.[0-9]+\\.[0-9]+)");
  std::smatch match;
  if (output.exit_code != 0 || !std::regex_search(output.out, match, k_version)) {
    return std::nullopt;
  }
  return match[1].str();
}

std::pair<std::string, std::vector<std::string>>
token_helper_argv(const ConfigureRequest& request)
{
  std::vector<std::string> args;
  if (request.explicit_home) {
    args.push_back("--home");
    args.push_back(request.explicit_home->string());
  }
  args.push_back("token");
  return {request.self_executable, args};
}

std::string
token_helper_command(const ConfigureRequest& request)
{
  const auto [program, args] = token_helper_argv(request);
  std::string command = util::shell_quote(program);
  for (const auto& arg : args) {
    command += " " + util::shell_quote(arg);
  }
  return command;
}

std::string
aigw_invocation(const std::optional<std::filesystem::path>& home)
{
  return home ? "aigw-setup --home " + util::shell_quote(home->string()) : "aigw-setup";
}

} // namespace aigw::core
