// SPDX-License-Identifier: MIT
// How configure, unconfigure and telemetry enable and disable tell what they did: a line per
// file (or its diff in a dry run) and the agent's notes, then the tool's own files (the
// relay's, the kept credential), or the same as one JSON document with --json.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/takedown.hpp"
#include "core/changes.hpp"
#include "core/plan.hpp"

namespace aigw::cli {

// `relay`: relay.json and relay.key as --auth relay wrote them ("relay": {"files"});
// `credential`: credentials.json when the run kept a credential ("credential").
void print_configure_report(Context& context, const std::vector<core::AgentPlan>& plans,
                            const std::vector<core::FileReport>& reports,
                            const std::vector<core::FileReport>& relay = {},
                            const std::optional<core::FileReport>& credential = {});

// `takedown`: what went with the last user of the relay or of the credential.
void print_unconfigure_report(Context& context, const std::vector<std::string>& agents,
                              const std::vector<core::FileReport>& reports,
                              const Takedown& takedown);

// `document` holds the command's name and its own keys; "dry_run", "agents" and what
// `takedown` took away ("relay", "credential") are added to it.
void print_telemetry_report(Context& context, nlohmann::ordered_json document,
                            const std::vector<core::AgentPlan>& plans,
                            const std::vector<core::FileReport>& reports,
                            const Takedown& takedown = {});

// The home folder written as "~" in paths shown to people.
std::string shown_path(const Context& context, const std::filesystem::path& path);

} // namespace aigw::cli
