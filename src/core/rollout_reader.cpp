// SPDX-License-Identifier: MIT
// Typed reads for the rollout file. YAML 1.1 would read `yes`, `on` or `0777` as something
// other than what they look like; the schema takes only true/false for a switch and only
// digits for a number, and a quoted value is always a string, so a value means one thing.
#include "core/rollout_reader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "core/gateway.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

// Keys that would put a credential in the file, which is copied around a fleet in clear.
constexpr std::array k_credential_keys{
  "token",   "pat",    "password",     "secret",       "client_secret",
  "api_key", "apikey", "access_token", "bearer_token", "databricks_token"};

bool
is_credential_key(const std::string& key)
{
  std::string name = util::to_lower(key);
  std::replace(name.begin(), name.end(), '-', '_');
  return std::find(k_credential_keys.begin(), k_credential_keys.end(), name)
         != k_credential_keys.end();
}

bool
is_boolean_word(const std::string& text)
{
  const std::string word = util::to_lower(text);
  return word == "true" || word == "false";
}

bool
is_number_word(const std::string& text)
{
  const std::size_t start = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  return text.size() > start
         && std::all_of(text.begin() + static_cast<long>(start), text.end(),
                        [](unsigned char c) { return std::isdigit(c) != 0; });
}

// What a scalar's text looks like, for "expected X, got Y"; a quoted value is a string.
std::string
scalar_type(const std::string& text, bool plain)
{
  if (plain && is_boolean_word(text)) {
    return text;
  }
  return plain && is_number_word(text) ? "a number" : "a string";
}

// What a node holds, for "expected X, got Y".
std::string
found_type(const YAML::Node& node)
{
  switch (node.Type()) {
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Map:
    return "a mapping";
  case YAML::NodeType::Scalar:
    return scalar_type(node.Scalar(), node.Tag() == "?"); // "!": quoted; else tagged
  default:
    return "nothing";
  }
}

bool
is_empty(const YAML::Node& node)
{
  return !node.IsDefined() || node.IsNull();
}

bool
all_of_set(const std::string& text, std::size_t from, const char* set)
{
  return text.size() > from && text.find_first_not_of(set, from) == std::string::npos;
}

} // namespace

std::string
without_prefix(const std::string& message, const std::string& prefix)
{
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}


std::optional<std::string>
closest_match(const std::string& word, const std::vector<std::string>& candidates)
{
  // A typo is at most two edits and shorter than the word.
  std::optional<std::string> best;
  std::size_t best_edits = std::min<std::size_t>(3, word.size());
  for (const auto& candidate : candidates) {
    const std::size_t distance = util::edit_distance(util::to_lower(word), candidate);
    if (distance < best_edits) {
      best = candidate;
      best_edits = distance;
    }
  }
  return best;
}

bool
is_variable_name(const std::string& name)
{
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

bool
looks_like_token(const std::string& value)
{
  const std::string text = util::to_lower(value);
  if (text.rfind("bearer ", 0) == 0) {
    return true;
  }
  // Databricks personal access tokens (dapi + 32 hex, maybe "-2") and OAuth secrets (dose...).
  const std::size_t end = text.find('-') == std::string::npos ? text.size() : text.find('-');
  if (text.rfind("dapi", 0) == 0 && end >= 24
      && all_of_set(text.substr(0, end), 4, "0123456789abcdef")) {
    return true;
  }
  if (text.rfind("dose", 0) == 0 && text.size() >= 24
      && all_of_set(text, 4, "0123456789abcdefghijklmnopqrstuvwxyz")) {
    return true;
  }
  // A JWT: three base64url parts, the first a JSON object ("eyJ" is "{\"").
  return value.rfind("eyJ", 0) == 0 && value.size() > 40
         && std::count(value.begin(), value.end(), '.') == 2;
}

util::Error
RolloutReader::error_at(const YAML::Mark& mark, const std::string& path,
                        const std::string& cause) const
{
  std::string where = m_file;
  if (mark.line >= 0 && mark.column >= 0) {
    where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return {ErrorKind::usage, where + ": " + (path.empty() ? "" : path + ": ") + cause};
}

util::Error
RolloutReader::error_at(const RolloutField& field, const std::string& cause) const
{
  // An empty value has no position of its own (yaml-cpp marks the next token): use the key.
  const YAML::Mark mark = is_empty(field.value) ? field.key_mark : field.value.Mark();
  return error_at(mark, field.path, cause);
}

util::Unexpected<util::Error>
RolloutReader::fail(const RolloutField& field, const std::string& cause) const
{
  return util::unexpected(error_at(field, cause));
}

util::Unexpected<util::Error>
RolloutReader::fail_at_key(const RolloutField& field, const std::string& cause) const
{
  return util::unexpected(error_at(field.key_mark, field.path, cause));
}

util::Unexpected<util::Error>
RolloutReader::fail_placed(const RolloutField& field, const std::string& message) const
{
  RolloutField unnamed = field;
  unnamed.path.clear();
  return fail(unnamed, message);
}

util::Unexpected<util::Error>
RolloutReader::missing(const RolloutField& map, const std::string& key,
                       const std::string& hint) const
{
  const std::string prefix = map.path.empty() ? "" : map.path + ".";
  return util::unexpected(error_at(map.value.Mark(), prefix + key, "missing; " + hint));
}

util::Result<std::string>
RolloutReader::one_of(const RolloutField& field, const std::vector<std::string>& choices) const
{
  auto value = text(field);
  AIGW_TRY(value);
  if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
    return fail(field, "\"" + *value + "\" is not one of " + util::join(choices, ", "));
  }
  return value;
}

util::Result<std::string>
RolloutReader::url(const RolloutField& field) const
{
  auto value = text(field);
  AIGW_TRY(value);
  auto normalized = normalize_base_url(*value, field.path);
  if (!normalized) {
    // Its message names the key and the URL: gateway "http://x": https is required ...
    return fail_placed(field, normalized.error().message);
  }
  return normalized;
}

util::Result<void>
RolloutReader::expect_mapping(const RolloutField& field) const
{
  if (!field.value.IsMap() && !is_empty(field.value)) {
    return util::unexpected(error_at(field, "expected a mapping, got " + found_type(field.value)));
  }
  return {};
}

util::Result<void>
RolloutReader::check_keys(const RolloutField& map, const std::vector<std::string>& allowed) const
{
  AIGW_TRY(expect_mapping(map));
  if (is_empty(map.value)) {
    return {};
  }
  std::vector<std::string> seen;
  for (const auto& item : map.value) {
    const std::string prefix = map.path.empty() ? "" : map.path + ".";
    if (!item.first.IsScalar()) {
      return util::unexpected(error_at(item.first.Mark(), map.path, "a key must be a name"));
    }
    const std::string key = item.first.Scalar();
    const std::string path = prefix + key;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return util::unexpected(error_at(item.first.Mark(), path, "given twice; keep one"));
    }
    seen.push_back(key);
    if (is_credential_key(key)) {
      return util::unexpected(
        error_at(item.first.Mark(), path,
                 "a token is never written in the rollout file; give the name of the variable that "
                 "holds it (auth.token_env) or of a file (auth.token_file)"));
    }
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      const auto close = closest_match(key, allowed);
      std::string cause = "unknown key";
      cause += close ? "; did you mean \"" + *close + "\"?"
                     : " (known here: " + util::join(allowed, ", ") + ")";
      return util::unexpected(error_at(item.first.Mark(), path, cause));
    }
  }
  return {};
}

std::optional<RolloutField>
RolloutReader::find(const RolloutField& map, const std::string& key) const
{
  for (const auto& field : entries(map)) {
    if (field.key == key) {
      return field;
    }
  }
  return std::nullopt;
}

std::vector<RolloutField>
RolloutReader::entries(const RolloutField& map) const
{
  std::vector<RolloutField> fields;
  if (!map.value.IsMap()) {
    return fields;
  }
  for (const auto& item : map.value) {
    const std::string key = item.first.Scalar();
    const std::string path = map.path.empty() ? key : map.path + "." + key;
    fields.push_back({item.second, item.first.Mark(), path, key});
  }
  return fields;
}

util::Result<std::string>
RolloutReader::expand(const RolloutField& field, const std::string& raw) const
{
  const std::size_t open = raw.find("${");
  if (open == std::string::npos) {
    return raw;
  }
  const bool whole =
    open == 0 && raw.size() > 3 && raw.back() == '}' && raw.find('}') == raw.size() - 1;
  const std::string name = whole ? raw.substr(2, raw.size() - 3) : std::string();
  if (!is_variable_name(name)) {
    return util::unexpected(error_at(
      field, "only a whole value can come from the environment, as \"${NAME}\" with NAME made "
             "of letters, digits and _"));
  }
  auto value = m_env(name);
  if (!value) {
    return util::unexpected(error_at(field, "${" + name + "} is not set in the environment"));
  }
  return *value;
}

util::Result<RolloutReader::Scalar>
RolloutReader::scalar(const RolloutField& field, const char* expected) const
{
  if (!field.value.IsScalar()) {
    return util::unexpected(
      error_at(field, std::string("expected ") + expected + ", got " + found_type(field.value)));
  }
  const std::string& raw = field.value.Scalar();
  if (looks_like_token(raw)) {
    return util::unexpected(error_at(
      field, "this looks like a token, and a token is never written in the rollout file; give "
             "the name of the variable that holds it (auth.token_env) or of a file "
             "(auth.token_file)"));
  }
  auto text = expand(field, raw);
  AIGW_TRY(text);
  const bool from_env = raw.find("${") != std::string::npos;
  return Scalar{std::move(*text), from_env || field.value.Tag() == "?"};
}

util::Result<std::string>
RolloutReader::text(const RolloutField& field) const
{
  auto value = scalar(field, "a string");
  AIGW_TRY(value);
  return std::move(value->text);
}

std::string
RolloutReader::type_of(const Scalar& value)
{
  return scalar_type(value.text, value.plain);
}

util::Result<bool>
RolloutReader::boolean(const RolloutField& field) const
{
  auto value = scalar(field, "true or false");
  AIGW_TRY(value);
  if (!value->plain || !is_boolean_word(value->text)) {
    return util::unexpected(error_at(field, "expected true or false, got " + type_of(*value)));
  }
  return util::to_lower(value->text) == "true";
}

util::Result<int>
RolloutReader::number(const RolloutField& field) const
{
  auto value = scalar(field, "a whole number");
  AIGW_TRY(value);
  int number = 0;
  const std::string& text = value->text;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (!value->plain || error != std::errc() || end != text.data() + text.size()) {
    return util::unexpected(error_at(field, "expected a whole number, got " + type_of(*value)));
  }
  return number;
}

std::vector<RolloutField>
RolloutReader::items(const RolloutField& list) const
{
  std::vector<RolloutField> fields;
  if (!list.value.IsSequence()) {
    return fields;
  }
  for (std::size_t i = 0; i < list.value.size(); ++i) {
    const YAML::Node item = list.value[i];
    fields.push_back({item, item.Mark(), list.path + "[" + std::to_string(i) + "]"});
  }
  return fields;
}

util::Result<std::vector<std::string>>
RolloutReader::texts(const RolloutField& field) const
{
  if (!field.value.IsSequence()) {
    return util::unexpected(
      error_at(field, "expected a list of strings, got " + found_type(field.value)));
  }
  std::vector<std::string> values;
  for (const auto& item : items(field)) {
    auto value = text(item);
    AIGW_TRY(value);
    values.push_back(std::move(*value));
  }
  return values;
}

} // namespace aigw::core
