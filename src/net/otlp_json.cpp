// SPDX-License-Identifier: MIT
// OTLP/JSON to protobuf through the generated classes' reflection: one walk over the JSON
// that finds each key's field in the message's descriptor and sets it, so every OTLP
// message (resource, scope, attributes, each metric kind, log records, spans) is read by
// the same few rules, and a wrong value is reported with its JSON path. The leaves
// (numbers, strings, ids, enums) are otlp_json_values.cpp's.
#include "net/otlp_json.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "net/otlp/logs.pb.h"
#include "net/otlp/metrics.pb.h"
#include "net/otlp/trace.pb.h"
#include "net/otlp_json_values.hpp"

namespace aigw::net {

namespace {

namespace pb = google::protobuf;
using Field = pb::FieldDescriptor;
using otlp_json::bad;
using otlp_json::Json;
using otlp_json::kind_of;
using otlp_json::set_value;

// AnyValue nests without bound (arrays of key/value lists of arrays...); the walk does not.
constexpr int k_max_depth = 64;

std::string
member_path(const std::string& parent, const std::string& key)
{
  return parent.empty() ? key : parent + "." + key;
}

// ---------------------------------------------------------------------------- messages

util::Result<void> read_message(const Json& object, pb::Message& out, const std::string& path,
                                int depth);

util::Result<void>
set_one(const Json& value, pb::Message& out, const Field& field, const std::string& path,
        int depth)
{
  if (field.cpp_type() != Field::CPPTYPE_MESSAGE) {
    return set_value(value, out, field, path);
  }
  const pb::Reflection& reflection = *out.GetReflection();
  pb::Message* child = field.is_repeated() ? reflection.AddMessage(&out, &field)
                                           : reflection.MutableMessage(&out, &field);
  return read_message(value, *child, path, depth + 1);
}

util::Result<void>
set_field(const Json& value, pb::Message& out, const Field& field, const std::string& path,
          int depth)
{
  if (!field.is_repeated()) {
    return set_one(value, out, field, path, depth);
  }
  if (!value.is_array()) {
    return bad(path, "expected a list, got " + kind_of(value));
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (value[i].is_null()) {
      return bad(at, "a list cannot hold null");
    }
    AIGW_TRY(set_one(value[i], out, field, at, depth));
  }
  return {};
}

// The field `key` names: its lowerCamelCase JSON name, or the proto's own name.
const Field*
field_named(const pb::Descriptor& descriptor, const std::string& key)
{
  const Field* field = descriptor.FindFieldByCamelcaseName(key);
  return field ? field : descriptor.FindFieldByName(key);
}

util::Result<void>
read_message(const Json& object, pb::Message& out, const std::string& path, int depth)
{
  if (!object.is_object()) {
    return bad(path, "expected an object, got " + kind_of(object));
  }
  if (depth > k_max_depth) {
    return bad(path, "nested more than " + std::to_string(k_max_depth) + " levels deep");
  }
  std::set<int> seen;
  std::map<const pb::OneofDescriptor*, std::string> chosen; // a oneof's member, by its key
  for (const auto& [key, value] : object.items()) {
    const Field* field = field_named(*out.GetDescriptor(), key);
    // Unknown keys are ignored, as OTLP/JSON asks; null stands for a field not set.
    if (!field || value.is_null()) {
      continue;
    }
    const std::string at = member_path(path, key);
    if (!seen.insert(field->number()).second) {
      return bad(at, "the same field is given twice, as \"" + field->camelcase_name()
                       + "\" and \"" + field->name() + "\"");
    }
    if (const auto* oneof = field->real_containing_oneof()) {
      const auto [other, first] = chosen.emplace(oneof, key);
      if (!first) {
        return bad(at, "only one of \"" + other->second + "\" and \"" + key + "\" may be set");
      }
    }
    AIGW_TRY(set_field(value, out, *field, at, depth));
  }
  return {};
}

// Gemini CLI names its whole command line on every export, and for `gemini -p "..."` that
// holds the prompt, whatever logPrompts says. The relay keeps prompts out of the tables, as
// Claude Code does by default: these resource attributes are dropped.
bool
holds_command_line(const otlp::KeyValue& attribute)
{
  return attribute.key() == "process.command_args" || attribute.key() == "process.command_line";
}

template <class ResourceItems>
void
drop_command_line(ResourceItems& items)
{
  for (auto& item : items) {
    auto& attributes = *item.mutable_resource()->mutable_attributes();
    attributes.erase(std::remove_if(attributes.begin(), attributes.end(), holds_command_line),
                     attributes.end());
  }
}

void
drop_command_line(OtlpSignal signal, pb::Message& request)
{
  switch (signal) {
  case OtlpSignal::metrics:
    drop_command_line(
      *static_cast<otlp::ExportMetricsServiceRequest&>(request).mutable_resource_metrics());
    return;
  case OtlpSignal::logs:
    drop_command_line(
      *static_cast<otlp::ExportLogsServiceRequest&>(request).mutable_resource_logs());
    return;
  case OtlpSignal::traces:
    drop_command_line(
      *static_cast<otlp::ExportTraceServiceRequest&>(request).mutable_resource_spans());
    return;
  }
}

} // namespace

std::optional<OtlpSignal>
otlp_signal(std::string_view rest)
{
  if (rest == "/metrics") {
    return OtlpSignal::metrics;
  }
  if (rest == "/logs") {
    return OtlpSignal::logs;
  }
  return rest == "/traces" ? std::optional(OtlpSignal::traces) : std::nullopt;
}

std::string
to_string(OtlpSignal signal)
{
  switch (signal) {
  case OtlpSignal::metrics:
    return "metrics";
  case OtlpSignal::logs:
    return "logs";
  case OtlpSignal::traces:
    break;
  }
  return "traces";
}

std::unique_ptr<pb::Message>
otlp_request(OtlpSignal signal)
{
  switch (signal) {
  case OtlpSignal::metrics:
    return std::make_unique<otlp::ExportMetricsServiceRequest>();
  case OtlpSignal::logs:
    return std::make_unique<otlp::ExportLogsServiceRequest>();
  case OtlpSignal::traces:
    break;
  }
  return std::make_unique<otlp::ExportTraceServiceRequest>();
}

std::unique_ptr<pb::Message>
otlp_response(OtlpSignal signal)
{
  switch (signal) {
  case OtlpSignal::metrics:
    return std::make_unique<otlp::ExportMetricsServiceResponse>();
  case OtlpSignal::logs:
    return std::make_unique<otlp::ExportLogsServiceResponse>();
  case OtlpSignal::traces:
    break;
  }
  return std::make_unique<otlp::ExportTraceServiceResponse>();
}

util::Result<std::string>
otlp_json_to_protobuf(OtlpSignal signal, std::string_view json_text)
{
  Json document;
  try {
    document = Json::parse(json_text);
  } catch (const Json::parse_error& error) {
    return util::fail(util::ErrorKind::parse, "the body is not JSON (it goes wrong at byte "
                                          + std::to_string(error.byte) + ")");
  }
  const auto request = otlp_request(signal);
  AIGW_TRY(read_message(document, *request, "", 0));
  drop_command_line(signal, *request);
  std::string bytes;
  if (!request->SerializeToString(&bytes)) {
    return util::fail(util::ErrorKind::parse, "the export could not be encoded as protobuf");
  }
  return bytes;
}

} // namespace aigw::net
