// SPDX-License-Identifier: MIT
// JSON to TOML text and toml++ nodes back to JSON. Strings that hold a backslash become
// literal strings when TOML allows it, because Windows paths in basic strings are the
// classic way users break config.toml ("C:\WINDOWS" is an invalid escape, openai/codex
// #37616). Floats print in their shortest round-trip form, with ".0" when that looks like
// an integer, so the value reads back with its type.
#include "config/toml_values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

namespace aigw::config {

namespace {

bool
is_control(char c)
{
  return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == '\x7F';
}

bool
is_bare_key_char(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
         || c == '-';
}

// A literal string has no escapes, so it cannot hold a quote, a line break or a control.
bool
wants_literal(const std::string& text)
{
  return text.find('\\') != std::string::npos && text.find('\'') == std::string::npos
         && std::none_of(text.begin(), text.end(), is_control);
}

std::string
basic_string(const std::string& text)
{
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (is_control(c)) {
        const auto byte = static_cast<unsigned char>(c);
        out += "\\u00";
        out += k_hex[byte >> 4];
        out += k_hex[byte & 0xF];
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::string
render_string(const std::string& text)
{
  return wants_literal(text) ? "'" + text + "'" : basic_string(text);
}

std::string
render_float(double value)
{
  if (std::isnan(value)) {
    return "nan";
  }
  if (std::isinf(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  }
  return text;
}

util::Expected<std::string, std::string>
render_integer(const Json& value)
{
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return util::unexpected("the integer " + value.dump()
                              + " is too large for TOML (64-bit signed)");
    }
  }
  return value.dump();
}

// Members of the ordered JSON, as its caller wrote them.
util::Expected<std::string, std::string>
render_container(const Json& value)
{
  const bool object = value.is_object();
  if (value.empty()) {
    return std::string(object ? "{}" : "[]");
  }
  std::string out = object ? "{ " : "[";
  bool first = true;
  for (const auto& [key, member] : value.items()) {
    auto text = render_toml_value(member);
    if (!text) {
      return text;
    }
    out += first ? "" : ", ";
    out += object ? render_toml_key({key}) + " = " + *text : *text;
    first = false;
  }
  return out + (object ? " }" : "]");
}

std::string
date_time_text(const toml::node& node)
{
  std::ostringstream out;
  if (const auto* date = node.as_date()) {
    out << date->get();
  } else if (const auto* time = node.as_time()) {
    out << time->get();
  } else if (const auto* date_time = node.as_date_time()) {
    out << date_time->get();
  }
  return out.str();
}

Json
table_to_json(const toml::table& table)
{
  // toml++ keeps members sorted by name; the keys' source positions give the text's order.
  std::vector<std::pair<const toml::key*, const toml::node*>> members;
  for (const auto& [key, node] : table) {
    members.emplace_back(&key, &node);
  }
  std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
    const auto& left = a.first->source().begin;
    const auto& right = b.first->source().begin;
    return left.line != right.line ? left.line < right.line : left.column < right.column;
  });
  Json object = Json::object();
  for (const auto& [key, node] : members) {
    object[std::string(key->str())] = toml_to_json(*node);
  }
  return object;
}

} // namespace

util::Expected<std::string, std::string>
render_toml_value(const Json& value)
{
  switch (value.type()) {
  case Json::value_t::string:
    return render_string(value.get<std::string>());
  case Json::value_t::boolean:
    return std::string(value.get<bool>() ? "true" : "false");
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned:
    return render_integer(value);
  case Json::value_t::number_float:
    return render_float(value.get<double>());
  case Json::value_t::object:
  case Json::value_t::array:
    return render_container(value);
  default:
    return util::unexpected(std::string("null has no TOML form"));
  }
}

std::string
render_toml_key(const KeyPath& key)
{
  std::string out;
  for (const auto& part : key) {
    const bool bare = !part.empty() && std::all_of(part.begin(), part.end(), is_bare_key_char);
    out += out.empty() ? "" : ".";
    out += bare ? part : basic_string(part);
  }
  return out;
}

Json
toml_to_json(const toml::node& node)
{
  switch (node.type()) {
  case toml::node_type::table:
    return table_to_json(*node.as_table());
  case toml::node_type::array: {
    Json array = Json::array();
    for (const auto& element : *node.as_array()) {
      array.push_back(toml_to_json(element));
    }
    return array;
  }
  case toml::node_type::string:
    return node.as_string()->get();
  case toml::node_type::integer:
    return node.as_integer()->get();
  case toml::node_type::floating_point:
    return node.as_floating_point()->get();
  case toml::node_type::boolean:
    return node.as_boolean()->get();
  default:
    return date_time_text(node);
  }
}

bool
same_json(const Json& a, const Json& b)
{
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (const auto& [key, value] : a.items()) {
      const auto found = b.find(key);
      if (found == b.end() || !same_json(value, *found)) {
        return false;
      }
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_json);
  }
  if (a.is_number_float() || b.is_number_float()) {
    // TOML tells 1 from 1.0, so a float never equals an integer here.
    if (!a.is_number_float() || !b.is_number_float()) {
      return false;
    }
    const auto x = a.get<double>();
    const auto y = b.get<double>();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  return a == b;
}

std::string
kind_name(const toml::node& node)
{
  switch (node.type()) {
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a float";
  case toml::node_type::boolean:
    return "a boolean";
  default:
    return "a date or time";
  }
}

std::string
kind_name(const Json& value)
{
  switch (value.type()) {
  case Json::value_t::object:
    return "an object";
  case Json::value_t::array:
    return "an array";
  case Json::value_t::string:
    return "a string";
  case Json::value_t::boolean:
    return "a boolean";
  case Json::value_t::null:
    return "null";
  default:
    return "a number";
  }
}

bool
holds_no_values(const toml::node& node)
{
  const auto* table = node.as_table();
  if (!table) {
    return false;
  }
  for (const auto& [key, member] : *table) {
    if (!holds_no_values(member)) {
      return false;
    }
  }
  return true;
}

} // namespace aigw::config
