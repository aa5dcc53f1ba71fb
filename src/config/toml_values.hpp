// SPDX-License-Identifier: MIT
// Values between JSON, the interface's currency, and TOML: JSON rendered as TOML text for
// the editor to splice in, and toml++ nodes read back as JSON.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "config/document.hpp"

namespace aigw::config {

// `value` as TOML text on one line: strings basic ("...") or, for a Windows path, literal
// ('C:\x'); objects as inline tables; arrays, integers, floats and booleans as such.
// Fails for null, which TOML cannot hold, and for integers beyond 64 signed bits.
util::Expected<std::string, std::string> render_toml_value(const Json& value);

// `key` as a TOML dotted key: each part bare when it can be, else a quoted basic string.
std::string render_toml_key(const KeyPath& key);

// `node` as JSON: tables as objects in the order their keys appear in the text, dates and
// times as their TOML text.
Json toml_to_json(const toml::node& node);

// Whether `a` and `b` hold the same data, ignoring the order of object members.
bool same_json(const Json& a, const Json& b);

// What `node` is, for messages: "a string", "an array", ...
std::string kind_name(const toml::node& node);

// What `value` is, for messages: "a string", "an object", ...
std::string kind_name(const Json& value);

// Whether `node` is a table with no values in it, only empty tables if anything.
bool holds_no_values(const toml::node& node);

} // namespace aigw::config
