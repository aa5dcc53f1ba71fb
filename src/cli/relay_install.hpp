// SPDX-License-Identifier: MIT
// `relay install` and `relay uninstall`: the relay as a per-user service (systemd user
// unit, or launchd agent on macOS). relay.cpp adds them to `relay` through this header.
#pragma once

#include <functional>
#include <optional>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "cli/exit_code.hpp"

namespace aigw::cli {

// Runs `relay install` or `relay uninstall` when one was given; nullopt when neither was.
using RelayServiceRunner = std::function<std::optional<ExitCode>(Context&)>;

// Add the two subcommands to `relay` and return what runs them.
RelayServiceRunner setup_relay_service(CLI::App& relay);

} // namespace aigw::cli
