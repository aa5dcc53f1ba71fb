// SPDX-License-Identifier: MIT
// The man page in roff (man macros). The prose lives in packaging/aigw-setup.1.in; this
// file fills its placeholders with the synopsis, every command and every option from the
// command model, so the page lists exactly what the binary accepts.
#include <vector>

#include "cli/completion.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

// `text` as roff input: backslashes and hyphens escaped (so "-" prints as a minus that can
// be copied), and a leading dot or quote made literal.
std::string
roff(const std::string& text)
{
  std::string escaped;
  for (const char c : text) {
    escaped += c == '\\' ? std::string("\\e") : c == '-' ? std::string("\\-") : std::string(1, c);
  }
  if (!escaped.empty() && (escaped.front() == '.' || escaped.front() == '\'')) {
    escaped.insert(0, "\\&");
  }
  return escaped;
}

std::string
option_tag(const OptionModel& option)
{
  std::vector<std::string> names;
  for (const auto& name : option.names) {
    names.push_back("\\fB" + roff(name) + "\\fR");
  }
  std::string tag = util::join(names, ", ");
  if (option.takes_value()) {
    const std::string value = option.choices.empty() ? option.value
                                                     : util::join(option.choices, "|");
    tag += " \\fI" + roff(value) + "\\fR";
  }
  return tag;
}

std::string
option_entry(const std::string& tag, const OptionModel& option)
{
  std::string body = roff(option.help);
  if (!option.default_value.empty()) {
    body += " (default: " + roff(option.default_value) + ")";
  }
  return ".TP\n" + tag + "\n" + body + "\n";
}

std::string
positional_entry(const OptionModel& positional)
{
  std::string tag = "\\fI" + roff(positional.names.front()) + "\\fR";
  if (!positional.choices.empty()) {
    tag += " (" + roff(util::join(positional.choices, "|")) + ")";
  }
  return option_entry(tag, positional);
}

// "[options] [agents ...]" for a synopsis line; empty when the command takes neither.
std::string
usage_words(const CommandModel& command)
{
  std::vector<std::string> words;
  if (!command.options.empty()) {
    words.push_back("[\\fIoptions\\fR]");
  }
  for (const auto& positional : command.positionals) {
    words.push_back("[\\fI" + roff(positional.names.front()) + "\\fR"
                    + (positional.repeats ? " ...]" : "]"));
  }
  return words.empty() ? std::string() : util::join(words, " ") + "\n";
}

std::string
synopsis(const CommandModel& root)
{
  std::string text = ".B " + roff(root.name) + "\n[\\fIglobal options\\fR] \\fIcommand\\fR"
                     + " [\\fIoptions\\fR]\n";
  for (const CommandModel* command : all_commands(root)) {
    text += ".br\n.B " + roff(root.name + " " + command->path) + "\n" + usage_words(*command);
  }
  return text;
}

std::string
commands(const CommandModel& root)
{
  std::string text;
  for (const CommandModel* command : all_commands(root)) {
    text += ".SS \"" + roff(root.name + " " + command->path) + "\"\n" + roff(command->help)
            + "\n";
    for (const auto& positional : command->positionals) {
      text += positional_entry(positional);
    }
    for (const auto& option : command->options) {
      text += option_entry(option_tag(option), option);
    }
  }
  return text;
}

std::string
global_options(const CommandModel& root)
{
  std::string text;
  for (const auto& option : root.options) {
    text += option_entry(option_tag(option), option);
  }
  return text;
}

void
replace_all(std::string& text, const std::string& from, const std::string& to)
{
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

} // namespace

std::string
man_page(const CommandModel& root, std::string_view page_template, const std::string& version)
{
  std::string page(page_template);
  replace_all(page, "@VERSION@", roff(version));
  replace_all(page, "@SYNOPSIS@\n", synopsis(root));
  replace_all(page, "@COMMANDS@\n", commands(root));
  replace_all(page, "@GLOBAL_OPTIONS@\n", global_options(root));
  return page;
}

} // namespace aigw::cli
