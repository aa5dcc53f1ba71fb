// SPDX-License-Identifier: MIT
// What goes beside the agents' files when `unconfigure` or `telemetry disable` takes away
// the last of their users: once no agent goes through the local relay, the relay's settings
// (relay.json) and its key (relay.key); once nothing is configured and no telemetry enabled,
// the kept credential (credentials.json). The spool, which may hold telemetry not yet
// delivered, stays and is named; so is an installed relay service, which would go on
// reading the files that went.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/changes.hpp"
#include "core/manifest.hpp"

namespace aigw::cli {

struct Takedown
{
  bool relay_released = false;                // this run took away the relay's last user
  std::vector<core::FileReport> relay_files;  // agent "relay": relay.json, relay.key
  std::vector<std::string> relay_warnings;    // the service still installed, the spool kept
  std::optional<core::FileReport> credential; // agent "credential": credentials.json
  std::vector<std::string> errors;            // a file that could not be removed
};

// What a run that takes back `agents` of `owner` (configure's or telemetry's) leaves behind.
struct LastUsers
{
  bool relay = false;      // no configuration or telemetry goes through the relay any more
  bool credential = false; // no agent is configured and no telemetry enabled
};

// Whether taking back the records `owner` keeps for `agents` in `manifest` takes away the
// relay's last user (some agent went through it before), or the credential's.
LastUsers last_users(const core::Manifest& manifest, const std::vector<std::string>& agents,
                     const std::string& owner);

// Remove what `gone` says has no user left (a dry run only describes it), and say what
// stays behind. `command` ("unconfigure", "telemetry disable") is named in the warnings.
// `changes` are the run's own edits, made just before: a dry run describes each removal
// as of after them, as the real run does.
Takedown take_down(const Context& context, LastUsers gone, const std::string& command,
                   const core::ChangeSet& changes);

} // namespace aigw::cli
