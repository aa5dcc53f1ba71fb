// SPDX-License-Identifier: MIT
// `--managed`: the system-wide files each agent puts above (or, for Codex, below) the user's
// own, for every user of the machine (docs/managed.md). The same planners and change engine
// as for a home, aimed at other files: Claude Code's managed-settings.d drop-in, Codex's
// system config.toml and Gemini CLI's system settings.json. Their manifest and backups live
// in the system state folder, and no file is written before every one was found writable.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/agents.hpp"
#include "core/paths.hpp"
#include "core/plan.hpp"
#include "util/error.hpp"

namespace aigw::core {

// Ours alone, so that a managed-settings.json someone else deploys is never edited.
inline constexpr const char* k_claude_drop_in = "managed-settings.d/50-aigw-setup.json";

// Claude Code's drop-in beside the platform's managed-settings.json.
std::filesystem::path claude_managed_drop_in(const Paths& paths);

// `paths` with the system state folder as the tool folder: the manifest of managed writes
// (its state file), their backups and their lock.
Paths managed_state_paths(const Paths& paths);

// What `agent` gets system-wide for `request` (which must use helper secrets: these files
// are world-readable). The token helper is called without --home, so that each user's own
// `aigw-setup token` answers. Cursor has no such file: its plan has only a note.
util::Result<AgentPlan> plan_managed(const std::string& agent, ConfigureRequest request,
                                     const Paths& paths);

// Why this process cannot create or replace `path` (a file or a folder), or nullopt when
// it can. The real one asks access(2); tests pass their own.
using WriteCheck = std::function<std::optional<std::string>(const std::filesystem::path&)>;
WriteCheck access_write_check();

// Check, before anything is written, that every file of `files` can be created or
// replaced, each where it is or in its nearest existing folder. A write error (exit 5)
// names the first path that cannot, and says to run with sudo.
util::Result<void> check_managed_access(const std::vector<std::filesystem::path>& files,
                                        const WriteCheck& can_write);

} // namespace aigw::core
