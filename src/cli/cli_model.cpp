// SPDX-License-Identifier: MIT
// Reads the CLI11 app back into CommandModel. CLI11 keeps an IsMember set only inside the
// validator, and shows it in the option's type name as "TEXT:{a,b,c}"; that label is the
// one public place the set can be read from, so the choices are parsed out of it.
#include "cli/cli_model.hpp"

#include "util/strings.hpp"

namespace aigw::cli {

namespace {

std::vector<std::string>
choices_of(const CLI::Option& option)
{
  const std::string type = option.get_type_name();
  const auto open = type.find(":{");
  const auto close = open == std::string::npos ? open : type.find('}', open);
  if (close == std::string::npos) {
    return {};
  }
  return util::split(type.substr(open + 2, close - open - 2), ',');
}

std::string
value_label(const CLI::Option& option)
{
  if (!option.get_positional() && option.get_items_expected_max() == 0) {
    return {}; // a flag
  }
  const std::string type = option.get_type_name();
  const std::string label = type.substr(0, type.find(':'));
  return label.empty() ? std::string("VALUE") : label;
}

OptionModel
describe_option(const CLI::Option& option)
{
  OptionModel model;
  if (option.get_positional()) {
    model.names.push_back(option.get_name(true));
  }
  for (const auto& name : option.get_snames()) {
    model.names.push_back("-" + name);
  }
  for (const auto& name : option.get_lnames()) {
    model.names.push_back("--" + name);
  }
  model.value = value_label(option);
  model.help = option.get_description();
  model.default_value = option.get_default_str();
  model.choices = choices_of(option);
  model.repeats = option.get_items_expected_max() > 1;
  return model;
}

CommandModel
describe_command(const CLI::App& app, const std::string& path)
{
  CommandModel model{app.get_name(), path, app.get_description(), {}, {}, {}};
  const bool root = app.get_parent() == nullptr;
  for (const CLI::Option* option : app.get_options()) {
    const bool hidden = option->get_group().empty();
    // Every command has -h/--help; it is listed once, with the root's options.
    if (hidden || (!root && option == app.get_help_ptr())) {
      continue;
    }
    auto& list = option->get_positional() ? model.positionals : model.options;
    list.push_back(describe_option(*option));
  }

  const auto visible = [](const CLI::App* sub) { return !sub->get_group().empty(); };
  for (const CLI::App* sub : app.get_subcommands(visible)) {
    const std::string sub_path = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    model.commands.push_back(describe_command(*sub, sub_path));
  }
  return model;
}

void
collect(const CommandModel& command, std::vector<const CommandModel*>& into)
{
  for (const auto& sub : command.commands) {
    into.push_back(&sub);
    collect(sub, into);
  }
}

} // namespace

CommandModel
describe_app(const CLI::App& app)
{
  return describe_command(app, "");
}

std::vector<const CommandModel*>
all_commands(const CommandModel& root)
{
  std::vector<const CommandModel*> commands;
  collect(root, commands);
  return commands;
}

} // namespace aigw::cli
