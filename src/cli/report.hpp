// SPDX-License-Identifier: MIT
// How configure and unconfigure tell what they did: a line per file (or its diff in a dry
// run) and the agent's notes, or the same as one JSON document with --json.
#pragma once

#include <vector>

#include "cli/context.hpp"
#include "cli/unconfigure_relay.hpp"
#include "core/changes.hpp"
#include "core/plan.hpp"

namespace aigw::cli {

void print_configure_report(Context& context, const std::vector<core::AgentPlan>& plans,
                            const std::vector<core::FileReport>& reports);

// `relay`: the relay's files that went with the last agent using it, and its warnings.
void print_unconfigure_report(Context& context, const std::vector<std::string>& agents,
                              const std::vector<core::FileReport>& reports,
                              const RelayTakedown& relay);

// The home folder written as "~" in paths shown to people.
std::string shown_path(const Context& context, const std::filesystem::path& path);

} // namespace aigw::cli
