// SPDX-License-Identifier: MIT
// A rollout file as the options `configure` and `telemetry enable` take. Read and checked in
// full before anything is written: the file itself (core/rollout.cpp), then what needs this
// machine: the workspace of auth.profile, a route for every agent, a token at hand, and what
// the telemetry step needs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "cli/configure_request.hpp"
#include "cli/context.hpp"
#include "cli/telemetry.hpp"
#include "core/rollout.hpp"

namespace aigw::cli {

struct ApplyInputs
{
  core::Rollout rollout;
  ConfigureOptions configure; // for the configure step (managed_options() with managed: true)
};

// Read and check the rollout `file`, then map it to configure's options; any part that
// cannot work here throws util::Fatal (a usage error naming the file) before a file is written.
ApplyInputs read_apply_inputs(const std::filesystem::path& file, Context& context);

// Why the telemetry step has nothing to do, or nullopt when it runs.
std::optional<std::string> telemetry_skipped(const core::Rollout& rollout);

// The options `telemetry enable` would get for the telemetry section and the file's auth.
TelemetryEnableOptions telemetry_options(const core::Rollout& rollout);

} // namespace aigw::cli
