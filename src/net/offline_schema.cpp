// SPDX-License-Identifier: MIT
// A JSON value that satisfies a JSON Schema, for the structured answers the offline stand-in
// gives (Codex asks for its session title as {"title": string, 1..36 characters}). Only the
// simple cases are covered: types, enum and const, string lengths, number minimums, object
// properties and array minItems. Anything else gets null, which a strict client rejects,
// as a real model's wrong answer would be.
#include "net/offline_common.hpp"

#include <algorithm>
#include <cmath>

namespace aigw::net {

namespace {

// Schemas nest; a self-referencing or absurdly deep one stops here.
constexpr int k_max_depth = 16;
constexpr std::uint64_t k_max_array_items = 16;

std::uint64_t
unsigned_field(const OfflineJson& schema, const char* key, std::uint64_t fallback)
{
  const auto found = schema.find(key);
  if (found == schema.end() || !found->is_number()) {
    return fallback;
  }
  const double value = found->get<double>();
  return value <= 0 ? 0 : static_cast<std::uint64_t>(value);
}

// The first type a schema allows, skipping "null" when it allows another one.
std::string
schema_type(const OfflineJson& schema)
{
  const auto type = schema.find("type");
  if (type == schema.end()) {
    return schema.contains("properties") ? "object" : "";
  }
  if (type->is_string()) {
    return type->get<std::string>();
  }
  std::string chosen;
  if (type->is_array()) {
    for (const auto& entry : *type) {
      if (entry.is_string() && (chosen.empty() || chosen == "null")) {
        chosen = entry.get<std::string>();
      }
    }
  }
  return chosen;
}

std::string
fitted_string(const OfflineJson& schema, std::string_view fill)
{
  const std::uint64_t min_length = unsigned_field(schema, "minLength", 0);
  const std::uint64_t max_length = unsigned_field(schema, "maxLength", UINT64_MAX);

  std::string text(fill);
  if (count_code_points(text) > max_length) {
    text = first_code_points(text, static_cast<std::size_t>(max_length));
    // Cut at the last whole word when that still leaves enough.
    const bool inside_word = fill.size() > text.size() && fill[text.size()] != ' ';
    const std::size_t space = text.rfind(' ');
    if (inside_word && space != std::string::npos && space >= min_length) {
      text.resize(space);
    }
  }
  // A title should not end on a space.
  while (!text.empty() && text.back() == ' ' && count_code_points(text) > min_length) {
    text.pop_back();
  }
  while (count_code_points(text) < min_length) {
    text += '.';
  }
  return text;
}

// Zero, or the minimum when zero is below it.
OfflineJson
number_instance(const OfflineJson& schema, const std::string& type)
{
  const auto minimum = schema.find("minimum");
  if (minimum == schema.end() || !minimum->is_number() || minimum->get<double>() <= 0) {
    return 0;
  }
  const double value = minimum->get<double>();
  if (type == "integer") {
    return static_cast<std::int64_t>(std::ceil(value));
  }
  return value;
}

OfflineJson instance_at(const OfflineJson& schema, std::string_view fill, int depth);

OfflineJson
object_instance(const OfflineJson& schema, std::string_view fill, int depth)
{
  OfflineJson object = OfflineJson::object();
  const auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object()) {
    return object;
  }
  // Every property gets a value: strict schemas require them all anyway.
  for (const auto& [name, property] : properties->items()) {
    object[name] = instance_at(property, fill, depth + 1);
  }
  return object;
}

OfflineJson
array_instance(const OfflineJson& schema, std::string_view fill, int depth)
{
  OfflineJson array = OfflineJson::array();
  const std::uint64_t count =
    std::min(unsigned_field(schema, "minItems", 0), k_max_array_items);
  const OfflineJson items = schema.value("items", OfflineJson::object());
  for (std::uint64_t i = 0; i < count; ++i) {
    array.push_back(instance_at(items, fill, depth + 1));
  }
  return array;
}

OfflineJson
instance_at(const OfflineJson& schema, std::string_view fill, int depth)
{
  if (!schema.is_object() || depth > k_max_depth) {
    return nullptr;
  }
  if (schema.contains("const")) {
    return schema["const"];
  }
  const auto options = schema.find("enum");
  if (options != schema.end() && options->is_array() && !options->empty()) {
    return options->front();
  }

  const std::string type = schema_type(schema);
  if (type == "string") {
    return fitted_string(schema, fill);
  }
  if (type == "integer" || type == "number") {
    return number_instance(schema, type);
  }
  if (type == "boolean") {
    return false;
  }
  if (type == "array") {
    return array_instance(schema, fill, depth);
  }
  if (type == "object") {
    return object_instance(schema, fill, depth);
  }
  return nullptr;
}

} // namespace

OfflineJson
schema_instance(const OfflineJson& schema, std::string_view fill)
{
  return instance_at(schema, fill, 0);
}

} // namespace aigw::net
