// SPDX-License-Identifier: MIT
// What the relay makes of an OTel export before it spools or forwards it, and how it
// answers the agent; relay_telemetry.cpp does the sending. An OTLP/JSON body (Gemini CLI's)
// becomes protobuf, which is all the workspace takes; a protobuf body passes untouched.
// The record names its Unity Catalog table, from the agent's header or relay.json. The
// agent is answered in the encoding it sent, as OTLP/HTTP asks: JSON for JSON.
#pragma once

#include <string>

#include "net/http.hpp"
#include "net/otlp_json.hpp"
#include "net/relay_config.hpp"
#include "net/spool.hpp"
#include "net/wire.hpp"

namespace aigw::net {

inline constexpr const char* k_table_header = "X-Databricks-UC-Table-Name";

// Whether `headers` say the body is OTLP/JSON: Content-Type application/json, parameters
// (such as a charset) aside.
bool is_otlp_json(const Headers& headers);

struct PreparedExport
{
  OtlpSignal signal = OtlpSignal::metrics;
  bool json = false;  // the agent sent OTLP/JSON, so it is answered in JSON
  SpoolRecord record; // protobuf, with Content-Type and, when one is known, the table header
};

// The export `inbound` to the OTel path `routed` as the spool keeps it and the workspace
// takes it. A JSON body that does not convert is a parse error that says why.
util::Result<PreparedExport> prepare_export(const InboundRequest& inbound,
                                            const RoutedPath& routed, const RelayTables& tables);

// Whether the export has a Unity Catalog table to go to; the workspace refuses one without.
bool has_table(const SpoolRecord& record);

// The answer to an export the relay took (spooled, or delivered with an empty answer):
// 200 with an empty Export<Signal>ServiceResponse in the agent's encoding ("{}" for JSON).
LocalReply export_taken(OtlpSignal signal, bool json);

// The answer to an export that no table is named for, which the relay does not keep (the
// workspace would refuse it, and a record it refuses would hold up the spool's flush): 200
// with a partial success that rejects every item and says what to name, so that the
// exporter neither retries nor stays silent. `items` receives how many there were.
LocalReply rejected_without_table(const PreparedExport& prepared, long long& items);

// What an export of `signal` holds: "data points", "log records" or "spans".
const char* item_noun(OtlpSignal signal);

// The workspace's 2xx `response` to a forwarded OTLP/JSON export, for the agent that sent
// it: its protobuf answer written as OTLP/JSON.
LocalReply json_answer(OtlpSignal signal, const HttpResponse& response);

} // namespace aigw::net
