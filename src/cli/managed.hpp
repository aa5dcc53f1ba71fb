// SPDX-License-Identifier: MIT
// `configure --managed`, `apply` with `managed: true` and `unconfigure --managed`: which
// options go with system-wide files, and their writes through the change engine with the
// manifest in the system state folder (core/managed.hpp, docs/managed.md). Nothing is
// written, not even that manifest, before every file was found writable.
#pragma once

#include <string>
#include <vector>

#include "cli/configure_request.hpp"
#include "cli/context.hpp"
#include "core/changes.hpp"
#include "core/plan.hpp"

namespace aigw::cli {

// `options` for a managed run. Refuses (usage error) what must not go into a world-readable
// file or is each user's own: --secrets inline, --auth relay and the --token-* options.
// Leaves out what concerns one home only: Gemini's folder trust, ~/.claude.json, moving
// Codex profiles and Cursor's state.
ConfigureOptions managed_options(const ConfigureOptions& options);

// Write the files of `plans` (in a dry run, only describe them) and record them in the
// system manifest, each agent's summary with `auth`.
std::vector<core::FileReport> write_managed(Context& context, std::vector<core::AgentPlan>& plans,
                                            const std::string& auth);

struct ManagedUndo
{
  std::vector<std::string> agents; // the agents taken back: those asked, or every one
  std::vector<core::FileReport> files;
};

// Take back what managed runs wrote for `agents` (none named: every agent they wrote for).
ManagedUndo unconfigure_managed(Context& context, std::vector<std::string> agents);

} // namespace aigw::cli
