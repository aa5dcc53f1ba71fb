// SPDX-License-Identifier: MIT
// OTLP/JSON to OTLP protobuf. Gemini CLI exports its telemetry as OTLP/JSON
// (`Content-Type: application/json`), and the workspace's OTel ingest takes protobuf only,
// so the relay converts each JSON export before it spools or forwards it. The JSON is
// read the way the OTLP specification asks, which differs from protobuf's canonical JSON:
// trace and span ids are hex (any case), not base64; enums come as numbers (their names
// are taken too); keys are lowerCamelCase (the proto's snake_case names are taken too);
// unknown keys are ignored; 64-bit integers may be numbers or decimal strings.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace google::protobuf {
class Message;
} // namespace google::protobuf

namespace aigw::net {

enum class OtlpSignal { metrics, logs, traces };

// The signal an OTel path names by its last segment ("/metrics", "/logs", "/traces").
std::optional<OtlpSignal> otlp_signal(std::string_view rest);

// "metrics", "logs" or "traces".
std::string to_string(OtlpSignal signal);

// An empty Export<Signal>ServiceRequest, or Export<Signal>ServiceResponse (the generated
// classes of src/net/otlp/*.proto).
std::unique_ptr<google::protobuf::Message> otlp_request(OtlpSignal signal);
std::unique_ptr<google::protobuf::Message> otlp_response(OtlpSignal signal);

// The OTLP/JSON export request `json_text` for `signal`, as protobuf bytes. A body that
// does not convert is a parse error that names the JSON path and what is wrong with it
// ("resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 32 hex digits, got 30"),
// never the value itself: a body may hold prompts or secrets. The resource attributes
// process.command_args and process.command_line are left out: Gemini CLI's hold the prompt.
util::Result<std::string> otlp_json_to_protobuf(OtlpSignal signal, std::string_view json_text);

} // namespace aigw::net
