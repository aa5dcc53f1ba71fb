// SPDX-License-Identifier: MIT
// Internal to otlp_json.cpp and otlp_json_values.cpp: how one JSON value becomes the value
// of a protobuf field that is not a message (numbers, strings, ids, enums), and the shape
// of the errors both report.
#pragma once

#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace aigw::net::otlp_json {

using Json = nlohmann::json;

// The error for the value at JSON `path` ("resourceLogs[0].scopeLogs"; empty: the body).
util::Unexpected<util::Error> bad(const std::string& path, const std::string& what);

// What a JSON value is, for messages: "an object", "a list", "a string", "a number"...
std::string kind_of(const Json& value);

// Set (or, for a repeated field, add) `value` to `field` of `out`, which is not a message
// field. Integers may be numbers or decimal strings, doubles also "NaN" and "Infinity",
// enums numbers or names; trace and span ids are hex, other bytes base64.
util::Result<void> set_value(const Json& value, google::protobuf::Message& out,
                             const google::protobuf::FieldDescriptor& field,
                             const std::string& path);

} // namespace aigw::net::otlp_json
