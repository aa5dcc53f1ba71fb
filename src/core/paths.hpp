// SPDX-License-Identifier: MIT
// Where every file lives, for Linux, macOS and Windows, in one table. The agents' own
// overrides (CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_CLI_HOME, XDG_CONFIG_HOME, APPDATA) count
// only when the user did not name a home with --home: then everything is under that home.
// The system-wide files sit under a system root, "/" unless AIGW_SYSTEM_ROOT moves it (for
// package tests, chroots and image builds); it applies with or without --home.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace aigw::core {

namespace fs = std::filesystem;

enum class Platform { linux, macos, windows };

// The platform this binary was built for.
Platform host_platform();

// Looks up an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The real process environment (empty values count as unset).
EnvLookup process_env();

enum class HomeSource { default_home, explicit_home };

struct Paths
{
  fs::path home;
  fs::path tool_dir; // credentials, state, backups and the run lock; mode 0700

  fs::path claude_settings; // ~/.claude/settings.json
  fs::path claude_state;    // ~/.claude.json
  fs::path codex_dir;       // ~/.codex
  fs::path codex_config;    // ~/.codex/config.toml
  fs::path gemini_env;      // ~/.gemini/.env
  fs::path gemini_settings; // ~/.gemini/settings.json
  fs::path gemini_trusted_folders;
  fs::path cursor_state_db;

  // System-wide files that take precedence over the user's, under system_root.
  fs::path system_root;
  fs::path claude_managed_settings;
  fs::path codex_system_config;
  fs::path gemini_system_settings;
  fs::path system_state_dir; // the manifest and backups of `--managed` writes; mode 0700

  fs::path credentials_file() const { return tool_dir / "credentials.json"; }
  fs::path state_file() const { return tool_dir / "state.json"; }
  fs::path backup_dir() const { return tool_dir / "backups"; }
  fs::path lock_file() const { return tool_dir / "lock"; }
};

// Every path for `platform`, rooted at `home`.
Paths resolve_paths(Platform platform, const fs::path& home, HomeSource source,
                    const EnvLookup& env);

// `path`, a system-wide path, moved below `root` ("/etc/x" becomes "<root>/etc/x"; on
// Windows, "C:/ProgramData/x" becomes "<root>/ProgramData/x"); `path` when `root` is empty.
fs::path under_system_root(const fs::path& root, const fs::path& path);

// The user's home: $HOME (or %USERPROFILE% on Windows); nullopt when unknown.
std::optional<fs::path> default_home(Platform platform, const EnvLookup& env);

// `path` as people read it: below `home` it starts with "~".
std::string shown_path(const fs::path& home, const fs::path& path);

} // namespace aigw::core
