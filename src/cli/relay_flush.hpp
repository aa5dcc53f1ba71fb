// SPDX-License-Identifier: MIT
// `relay flush` once its options are read: deliver the telemetry spool to the workspace, or
// under --dry-run say what a flush would send and pass over. relay.cpp reads the options and
// relay.json and calls it through this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "cli/context.hpp"
#include "cli/exit_code.hpp"

namespace aigw::cli {

// Where the workspace is, from the command line or relay.json; asked only when the spool
// holds something to send, so that an empty one needs no workspace.
using WorkspaceLookup = std::function<std::optional<std::string>()>;

// Flush the spool in `dir` (capped at `cap` bytes) to the workspace `workspace_of` names.
ExitCode run_relay_flush(const std::filesystem::path& dir, std::uint64_t cap,
                         const WorkspaceLookup& workspace_of, Context& context);

} // namespace aigw::cli
