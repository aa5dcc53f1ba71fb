// SPDX-License-Identifier: MIT
#include "cli/commands.hpp"

namespace aigw::cli {

const std::vector<CommandSpec>&
command_table()
{
  static const std::vector<CommandSpec> k_commands{
    {"configure", "write or merge each agent's config so it uses the gateway",
     setup_configure, true},
    {"unconfigure", "take back exactly what configure added or changed", setup_unconfigure,
     true},
    {"status", "what is configured, where, for which gateway and model", setup_status, false},
    {"token", "print the bearer token for the configured auth (for credential helpers)",
     setup_token, false},
    {"relay", "the local relay: forwards to the gateway, or stands in for it offline",
     setup_relay, false},
    {"telemetry", "OpenTelemetry into Unity Catalog: create-tables", setup_telemetry, false},
    {"apply", "fleet rollout: do what a rollout YAML file says, idempotently", setup_apply,
     true},
  };
  return k_commands;
}

} // namespace aigw::cli
