// SPDX-License-Identifier: MIT
// What unconfigure does about the local relay once no agent goes through it any more: the
// relay's settings (relay.json) and its key (relay.key) go, as the agents' files do; the
// spool, which may hold telemetry not yet delivered, stays and is named; so is an installed
// relay service, which would go on reading the files that went.
#pragma once

#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/changes.hpp"
#include "core/manifest.hpp"

namespace aigw::cli {

struct RelayTakedown
{
  bool taken_down = false;             // this run took away the relay's last user
  std::vector<core::FileReport> files; // agent "relay": relay.json, relay.key
  std::vector<std::string> warnings;   // the service still installed, the spool kept
  std::vector<std::string> errors;     // a file that could not be removed
};

// Whether taking back `agents` leaves no agent's configuration or telemetry in `manifest`
// going through the relay, where some did before.
bool releases_relay(const core::Manifest& manifest, const std::vector<std::string>& agents);

// Remove relay.json and relay.key (a dry run only describes it), and say what stays behind.
// `credential_goes`: the run also removes the kept credential.
RelayTakedown take_down_relay(const Context& context, bool credential_goes);

} // namespace aigw::cli
