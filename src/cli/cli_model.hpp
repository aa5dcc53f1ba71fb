// SPDX-License-Identifier: MIT
// The command line as plain data, read from the CLI11 app: every visible command, its
// options and positionals, their help and their fixed choices. The shell completions and
// the man page are written from this one walk, so an option added anywhere is completed
// and documented without a list to keep in step.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace aigw::cli {

struct OptionModel
{
  std::vector<std::string> names;   // "-v", "--verbose"; a positional's bare name
  std::string value;                // the value's label (TEXT, INT, ...); empty for a flag
  std::string help;
  std::string default_value;        // as CLI11 captured it; often empty
  std::vector<std::string> choices; // the fixed set an IsMember check allows
  bool repeats = false;             // takes several values (a positional list, a repeat)

  bool takes_value() const { return !value.empty(); }
};

struct CommandModel
{
  std::string name;                     // "aigw-setup" at the root
  std::string path;                     // "relay flush"; empty at the root
  std::string help;
  std::vector<OptionModel> options;     // named options, without -h/--help below the root
  std::vector<OptionModel> positionals; // in order
  std::vector<CommandModel> commands;   // visible subcommands, in order
};

// Walk `app` and its visible subcommands. Hidden options and commands (CLI11 group "")
// are left out: they are for tests and for the build, not for people.
CommandModel describe_app(const CLI::App& app);

// Every command below `root`, depth first (the root itself not included).
std::vector<const CommandModel*> all_commands(const CommandModel& root);

} // namespace aigw::cli
