// SPDX-License-Identifier: MIT
// The fish completion script. fish attaches each completion to a condition, so the script
// defines one function that finds the command being typed (the same walk as the bash and
// zsh scripts: subcommand words, skipping option values) and conditions every option and
// argument on it. Global options carry no condition: they are accepted everywhere.
#include <algorithm>

#include "cli/completion.hpp"
#include "cli/completion_tables.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

// `text` in fish single quotes, where only \\ and \' are escapes.
std::string
fish_quote(const std::string& text)
{
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\\' || c == '\'') {
      quoted += '\\';
    }
    quoted += c;
  }
  return quoted + "'";
}

std::string
walk_function(const CompletionTables& tables, const std::string& prefix)
{
  return "function " + prefix + "_command\n"
         "    set -l tokens (commandline -opc)\n"
         "    set -e tokens[1]\n"
         "    set -l cmd ''\n"
         "    set -l skip 0\n"
         "    for word in $tokens\n"
         "        if test $skip = 1\n"
         "            set skip 0\n"
         "            continue\n"
         "        end\n"
         "        switch \"$cmd|$word\"\n"
         "            case " + case_patterns(tables.value_options, '\'', " \\\n                ")
         + "\n                set skip 1\n"
           "            case " + case_patterns(tables.commands, '\'', " \\\n                ")
         + "\n                set cmd (string trim -- \"$cmd $word\")\n"
           "        end\n"
           "    end\n"
           "    echo $cmd\n"
           "end\n\n"
           "function " + prefix + "_at\n"
           "    set -l cmd (" + prefix + "_command)\n"
           "    test \"$cmd\" = \"$argv[1]\"\n"
           "end\n";
}

// How the value of `option` completes: from its choices (-x), or file names (-r -F).
std::string
value_flags(const OptionModel& option)
{
  if (!option.takes_value()) {
    return "";
  }
  if (option.choices.empty()) {
    return " -r -F";
  }
  return " -x -a " + fish_quote(util::join(option.choices, " "));
}

std::string
option_line(const std::string& head, const OptionModel& option)
{
  std::string line = head;
  for (const auto& name : option.names) {
    line += name.rfind("--", 0) == 0 ? " -l " + name.substr(2) : " -s " + name.substr(1);
  }
  return line + value_flags(option) + " -d " + fish_quote(option.help) + "\n";
}

std::string
command_lines(const CommandModel& command, const std::string& head)
{
  std::string text;
  for (const auto& option : command.options) {
    text += option_line(head, option);
  }
  for (const auto& sub : command.commands) {
    text += head + " -a " + sub.name + " -d " + fish_quote(sub.help) + "\n";
  }
  for (const auto& positional : command.positionals) {
    if (!positional.choices.empty()) {
      text += head + " -a " + fish_quote(util::join(positional.choices, " ")) + " -d "
              + fish_quote(positional.help) + "\n";
    }
  }
  return text;
}

} // namespace

std::string
fish_completion(const CommandModel& root)
{
  const CompletionTables tables = completion_tables(root);
  std::string prefix = "__" + root.name;
  std::replace(prefix.begin(), prefix.end(), '-', '_');
  const std::string base = "complete -c " + root.name;

  std::string text = generated_header("fish", root.name) + "\n" + walk_function(tables, prefix)
                     + "\n# No file names unless an option's value may be one.\n" + base
                     + " -f\n\n# Global options, accepted after any command.\n";
  for (const auto& option : root.options) {
    text += option_line(base, option);
  }
  const std::string at_root = base + " -n '" + prefix + "_at \"\"'";
  std::string commands;
  for (const auto& sub : root.commands) {
    commands += at_root + " -a " + sub.name + " -d " + fish_quote(sub.help) + "\n";
  }
  text += "\n" + commands;
  for (const CommandModel* command : all_commands(root)) {
    text += "\n" + command_lines(*command, base + " -n '" + prefix + "_at \"" + command->path
                                             + "\"'");
  }
  return text;
}

} // namespace aigw::cli
