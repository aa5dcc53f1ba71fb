// SPDX-License-Identifier: MIT
// The ~/.databrickscfg reader. The databricks CLI and the Go SDK parse this file with
// gopkg.in/ini.v1 and SpaceBeforeInlineComment, so the rules here are that library's:
// `#`/`;` comment lines, `=` or `:` between key and value, keys and section names
// case-sensitive, keys above the first section in DEFAULT, later keys winning, a repeated
// section merging into the first. A `#` or `;` inside a value starts a comment only when
// whitespace precedes it, because tokens and passwords may contain `#`; the comment is cut
// before one pair of surrounding '...' or "..." is dropped, so only `...` or """...""" keep
// a " #" inside a value (that is how ini.v1 reads it, so the CLI sees the same value).
#include "core/databricks_auth.hpp"

#include "util/fs.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

constexpr std::string_view k_settings_section = "__settings__";
constexpr std::string_view k_default_section = "DEFAULT";

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view
trim(std::string_view text)
{
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// The value part of `key = value`: inline comment cut, quotes dropped.
std::string
clean_value(std::string_view raw)
{
  std::string_view value = trim(raw);
  // `...` and """...""" keep everything up to their last closing quote, comments included.
  for (const std::string_view quote : {std::string_view("\"\"\""), std::string_view("`")}) {
    const std::size_t close = value.rfind(quote);
    if (value.size() > 2 * quote.size() && value.starts_with(quote) && close >= quote.size()) {
      return std::string(value.substr(quote.size(), close - quote.size()));
    }
  }
  for (std::size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && is_space(value[i - 1])) {
      value = trim(value.substr(0, i));
      break;
    }
  }
  const bool quoted = value.size() >= 2 && (value.front() == '"' || value.front() == '\'')
                      && value.back() == value.front()
                      && value.substr(1, value.size() - 2).find(value.front())
                           == std::string_view::npos;
  if (quoted) {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

util::Error
parse_error(const fs::path& path, std::size_t line, const std::string& cause)
{
  return {ErrorKind::parse, path.string() + ":" + std::to_string(line) + ": " + cause};
}

} // namespace

util::Result<DatabricksConfigFile>
parse_databricks_config(std::string_view text, const fs::path& path)
{
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }

  DatabricksConfigFile file{path, {}};
  std::string section(k_default_section);
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;

    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[') {
      const std::size_t close = line.rfind(']');
      if (close == std::string_view::npos) {
        return util::unexpected(parse_error(path, number, "section header without \"]\""));
      }
      section = std::string(trim(line.substr(1, close - 1)));
      file.sections[section];
      continue;
    }

    const std::size_t equals = line.find_first_of("=:");
    if (equals == std::string_view::npos) {
      return util::unexpected(
        parse_error(path, number, "expected \"key = value\" or \"[profile]\""));
    }
    const std::string key(trim(line.substr(0, equals)));
    if (key.empty()) {
      return util::unexpected(parse_error(path, number, "a key is missing before \"=\""));
    }
    file.sections[section][key] = clean_value(line.substr(equals + 1));
  }
  return file;
}

util::Result<std::optional<ConfigProfile>>
select_profile(const DatabricksConfigFile& file, const std::optional<std::string>& explicit_profile)
{
  std::string name;
  std::string chosen_by;
  if (explicit_profile) {
    name = *explicit_profile;
    chosen_by = "";
  } else if (auto settings = file.sections.find(std::string(k_settings_section));
             settings != file.sections.end() && settings->second.contains("default_profile")) {
    // Written by `databricks auth switch`; it names the profile to use by default.
    name = settings->second.at("default_profile");
    chosen_by = " (named by [__settings__] default_profile)";
  } else {
    name = k_default_section;
  }

  if (name == k_settings_section) {
    return util::fail(ErrorKind::usage, "__settings__ is reserved in " + file.path.string()
                                          + " and cannot be used as a profile");
  }
  const auto found = file.sections.find(name);
  if (found == file.sections.end() || found->second.empty()) {
    if (name == k_default_section && chosen_by.empty() && !explicit_profile) {
      return std::optional<ConfigProfile>();
    }
    return util::fail(ErrorKind::usage, file.path.string() + " has no " + name
                                          + " profile configured" + chosen_by);
  }
  return std::optional<ConfigProfile>(ConfigProfile{name, found->second});
}

fs::path
databricks_config_path(const EnvLookup& env, const fs::path& home)
{
  const auto custom = env("DATABRICKS_CONFIG_FILE");
  if (!custom) {
    return home / ".databrickscfg";
  }
  if (*custom == "~" || custom->starts_with("~/")) {
    return home / custom->substr(std::min<std::size_t>(custom->size(), 2));
  }
  return *custom;
}

util::Result<DatabricksConfigFile>
read_databricks_config(const fs::path& path)
{
  auto text = util::read_file_if_exists(path);
  AIGW_TRY(text);
  return parse_databricks_config(text->value_or(""), path);
}

} // namespace aigw::core
