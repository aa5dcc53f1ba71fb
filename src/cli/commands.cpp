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
    {"telemetry", "OpenTelemetry into Unity Catalog: create-tables, enable, disable",
     setup_telemetry, false}, // enable and disable take the run lock themselves
    {"test", "one real round trip per gateway route, with a verdict and a remedy each",
     setup_test, false},
    {"models", "the models the gateway and the workspace serve, and which agent can use each",
     setup_models, false},
    {"apply", "fleet rollout: do what a rollout YAML file says, idempotently", setup_apply,
     true},
    {"doctor", "check every route, file, variable and version; --fix repairs what it safely can",
     setup_doctor, false}, // --fix takes the run lock itself
    {"demo", "the whole main job in a throwaway home against the offline relay", setup_demo,
     false},
    {"init", "guided onboarding: find what it can, ask the rest, show the diffs, write, test",
     setup_init, false}, // takes the run lock itself, only while it writes
    {"completion", "a completion script for bash, zsh or fish, from the command line itself",
     setup_completion, false},
  };
  return k_commands;
}

} // namespace aigw::cli
