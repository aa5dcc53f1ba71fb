// SPDX-License-Identifier: MIT
// The top of the program: parse the command line, build the context, take the run lock
// for commands that write, run the command, and turn the one fatal error type into a
// message on stderr and an exit code. Nothing below this file prints errors or exits.
#include "cli/app.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "aigw/version.hpp"
#include "cli/commands.hpp"
#include "config/file_lock.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

constexpr const char* k_exit_codes = R"(
Exit codes: 0 done, 1 a check failed, 2 usage, 3 a file did not parse (nothing written),
4 a remote call failed, 5 a file could not be written or the relay's address is taken,
130 interrupted.)";

constexpr const char* k_examples = R"(
Examples:
  aigw-setup configure --all --gateway https://1234.ai-gateway.cloud.databricks.com \
      --token-stdin < token.txt
  aigw-setup configure claude codex --workspace https://adb-1234.azuredatabricks.net
  aigw-setup --dry-run configure gemini --gateway https://gw.example.com
  aigw-setup status --json
  aigw-setup unconfigure --all
)";

void
add_global_options(CLI::App& app, GlobalOptions& global)
{
  app.add_option("--home", global.home, "home folder whose files are read and written");
  app.add_flag("--dry-run", global.dry_run, "print a diff of every change; write nothing");
  app.add_flag("--json", global.json, "one JSON document on stdout");
  app.add_flag("-v,--verbose", global.verbose, "more logging on stderr (-vv: debug)");
  app.add_flag("-q,--quiet", global.quiet, "errors only on stderr");
  app.add_flag("--no-color", global.no_color, "no colour on stderr");
}

constexpr const char* k_see_help = " (see aigw-setup --help)";

// A secret option is refused before CLI11 sees it: CLI11 would echo the secret back in its
// message.
std::optional<std::string>
secret_argument(const std::vector<std::string>& args)
{
  for (const auto& arg : args) {
    if (arg == "--token" || arg.rfind("--token=", 0) == 0) {
      return std::string("--token: a secret is never read from the command line, where ps and "
                         "shell history would keep it; use --token-stdin, --token-file FILE "
                         "or DATABRICKS_TOKEN");
    }
  }
  return std::nullopt;
}

// The first word that is not an option, when no command has that name: CLI11 would only
// say a command is required.
std::optional<std::string>
unknown_command(const std::vector<std::string>& args)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--home") {
      ++i;
      continue;
    }
    if (args[i].empty() || args[i][0] == '-') {
      continue;
    }
    std::string closest;
    for (const auto& spec : command_table()) {
      if (args[i] == spec.name) {
        return std::nullopt;
      }
      if (util::edit_distance(args[i], spec.name) <= 2) {
        closest = spec.name;
      }
    }
    return "unknown command \"" + args[i] + "\""
           + (closest.empty() ? std::string() : "; did you mean \"" + closest + "\"?");
  }
  return std::nullopt;
}

std::string
kind_name(util::ErrorKind kind)
{
  switch (kind) {
  case util::ErrorKind::failed:
    return "failed";
  case util::ErrorKind::usage:
    return "usage";
  case util::ErrorKind::parse:
    return "parse";
  case util::ErrorKind::remote:
    return "remote";
  case util::ErrorKind::write:
    return "write";
  case util::ErrorKind::interrupted:
    return "interrupted";
  }
  return "failed";
}

// With --json a script reads stdout alone, so a failure must also be a document there.
void
print_json_error(std::ostream& stream, const std::string& command, const util::Error& error)
{
  nlohmann::ordered_json document;
  document["command"] = command.empty() ? nlohmann::ordered_json(nullptr)
                                        : nlohmann::ordered_json(command);
  document["error"]["kind"] = kind_name(error.kind);
  document["error"]["message"] = error.message;
  document["error"]["exit_code"] = static_cast<int>(exit_code_for(error.kind));
  stream << util::redact(document.dump(2)) << '\n';
}

bool
asks_for_json(const std::vector<std::string>& args)
{
  return std::find(args.begin(), args.end(), "--json") != args.end();
}

// Every long option name (without its dashes) of `app` and of its subcommands, at any depth.
void
collect_long_names(const CLI::App& app, std::vector<std::string>& names)
{
  for (const CLI::Option* option : app.get_options()) {
    const auto& long_names = option->get_lnames();
    names.insert(names.end(), long_names.begin(), long_names.end());
  }
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    collect_long_names(*command, names);
  }
}

// The first --option in `args` that no command has, said with the closest one there is.
// CLI11 takes a mistyped option's value for a positional argument and complains about that
// first (`--gatway URL` became a bad agent name), which hides the real mistake.
std::optional<std::string>
unknown_option(const CLI::App& app, const std::vector<std::string>& args)
{
  std::vector<std::string> known;
  collect_long_names(app, known);
  for (const std::string& arg : args) {
    if (arg == "--") {
      break;
    }
    if (arg.size() <= 2 || arg.rfind("--", 0) != 0) {
      continue;
    }
    const std::string name = arg.substr(2, arg.find('=') - 2);
    if (std::find(known.begin(), known.end(), name) != known.end()) {
      continue;
    }
    std::string message = "unknown option --" + name;
    for (const std::string& candidate : known) {
      if (util::edit_distance(name, candidate) <= 2) {
        return message + " (did you mean --" + candidate + "?)";
      }
    }
    return message;
  }
  return std::nullopt;
}

int
print_fatal(const util::Error& error)
{
  util::log::write(util::log::Level::error, error.message);
  return static_cast<int>(exit_code_for(error.kind));
}

// `hint` follows the message on stderr only; a message that says where to look has none.
int
print_usage_error(const std::vector<std::string>& args,
                  const std::string& message,
                  const std::string& hint = k_see_help)
{
  if (asks_for_json(args)) {
    print_json_error(std::cout, "", {util::ErrorKind::usage, message});
  }
  util::log::write(util::log::Level::error, message + hint);
  return static_cast<int>(ExitCode::usage);
}

// A CLI11 parse error in our words. A mistyped option comes first: before the command it
// also made CLI11 take the option's value for the command (`--hom DIR status`).
int
print_parse_error(const CLI::App& app,
                  const std::vector<std::string>& args,
                  const CLI::ParseError& error)
{
  if (auto unknown = unknown_option(app, args)) {
    return print_usage_error(args, *unknown);
  }
  const bool no_command = app.get_subcommands().empty()
                          && dynamic_cast<const CLI::RequiredError*>(&error) != nullptr;
  if (no_command) {
    return print_usage_error(args, "no command given; aigw-setup --help lists the commands", "");
  }
  return print_usage_error(args, error.what());
}

ExitCode
run_command(const CommandSpec& spec, const CommandRunner& runner, GlobalOptions& global)
{
  const core::EnvLookup env = core::process_env();
  configure_logging(global, env);
  Output out(std::cout, global.json);
  Context context{global, env, paths_for(global, env), out, std::cin};

  const auto lock = spec.writes ? take_run_lock(context) : std::nullopt;
  try {
    return runner(context);
  } catch (const util::Fatal& fatal) {
    if (global.json && !out.wrote_document()) {
      print_json_error(std::cout, spec.name, fatal.error());
    }
    throw;
  }
}

} // namespace

int
run(int argc, char** argv)
{
  CLI::App app("aigw-setup: route coding agents through a Databricks AI Gateway",
               "aigw-setup");
  app.set_version_flag("--version", std::string("aigw-setup ") + k_version);
  app.footer(std::string(k_examples) + k_exit_codes);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  add_global_options(app, global);
  std::map<const CLI::App*, std::pair<const CommandSpec*, CommandRunner>> runners;
  for (const auto& spec : command_table()) {
    CLI::App* command = app.add_subcommand(spec.name, spec.summary);
    command->footer(k_exit_codes); // a command may set its own examples instead
    runners[command] = {&spec, spec.setup(*command)};
  }

  const std::vector<std::string> args(argv + 1, argv + argc);
  if (auto secret = secret_argument(args)) {
    return print_usage_error(args, *secret);
  }
  // In `--hom DIR status` DIR looks like the command; the mistyped option is the news.
  if (auto command = unknown_command(args)) {
    return print_usage_error(args, unknown_option(app, args).value_or(*command));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    return print_parse_error(app, args, error);
  }

  try {
    const CLI::App* chosen = app.get_subcommands().front();
    const auto& [spec, runner] = runners.at(chosen);
    return static_cast<int>(run_command(*spec, runner, global));
  } catch (const util::Fatal& fatal) {
    return print_fatal(fatal.error());
  } catch (const std::exception& unexpected) {
    return print_fatal({util::ErrorKind::failed,
                        std::string("internal error: ") + unexpected.what()});
  }
}

} // namespace aigw::cli
