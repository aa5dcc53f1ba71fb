// SPDX-License-Identifier: MIT
#include "core/paths.hpp"

#include <cstdlib>

namespace aigw::core {

namespace {

struct PlatformDirs
{
  fs::path app_data;   // where per-user application data goes
  fs::path claude_managed;
  fs::path codex_system;
  fs::path gemini_system;
  fs::path system_state;
};

PlatformDirs
platform_dirs(Platform platform, const fs::path& home, HomeSource source, const EnvLookup& env)
{
  const auto from_env = [&](const char* name, const fs::path& fallback) {
    if (source == HomeSource::explicit_home) {
      return fallback;
    }
    const auto value = env(name);
    return value ? fs::path(*value) : fallback;
  };

  switch (platform) {
  case Platform::macos:
    return {home / "Library/Application Support",
            "/Library/Application Support/ClaudeCode/managed-settings.json",
            "/etc/codex/config.toml",
            "/Library/Application Support/GeminiCli/settings.json",
            "/Library/Application Support/aigw-setup"};
  case Platform::windows:
    return {from_env("APPDATA", home / "AppData/Roaming"),
            "C:/Program Files/ClaudeCode/managed-settings.json",
            "C:/ProgramData/codex/config.toml",
            "C:/ProgramData/gemini-cli/settings.json",
            "C:/ProgramData/aigw-setup"};
  case Platform::linux:
    break;
  }
  return {from_env("XDG_CONFIG_HOME", home / ".config"),
          "/etc/claude-code/managed-settings.json",
          "/etc/codex/config.toml",
          "/etc/gemini-cli/settings.json",
          "/var/lib/aigw-setup"};
}

// The system-wide files, below AIGW_SYSTEM_ROOT (made absolute) when it is set.
void
place_system_files(Paths& paths, const PlatformDirs& dirs, Platform platform,
                   const EnvLookup& env)
{
  const auto value = env("AIGW_SYSTEM_ROOT");
  const fs::path root = value ? fs::absolute(*value).lexically_normal() : fs::path();
  paths.system_root = value ? root : fs::path(platform == Platform::windows ? "C:/" : "/");
  paths.claude_managed_settings = under_system_root(root, dirs.claude_managed);
  paths.codex_system_config = under_system_root(root, dirs.codex_system);
  paths.gemini_system_settings = under_system_root(root, dirs.gemini_system);
  paths.system_state_dir = under_system_root(root, dirs.system_state);
}

} // namespace

Platform
host_platform()
{
#if defined(_WIN32)
  return Platform::windows;
#elif defined(__APPLE__)
  return Platform::macos;
#else
  return Platform::linux;
#endif
}

EnvLookup
process_env()
{
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
      return std::nullopt;
    }
    return std::string(value);
  };
}

fs::path
under_system_root(const fs::path& root, const fs::path& path)
{
  return root.empty() ? path : root / path.relative_path();
}

std::optional<fs::path>
default_home(Platform platform, const EnvLookup& env)
{
  const auto home = env(platform == Platform::windows ? "USERPROFILE" : "HOME");
  return home ? std::optional<fs::path>(*home) : std::nullopt;
}

Paths
resolve_paths(Platform platform, const fs::path& home, HomeSource source, const EnvLookup& env)
{
  const auto agent_dir = [&](const char* variable, const fs::path& fallback) {
    const auto value = source == HomeSource::default_home ? env(variable) : std::nullopt;
    return value ? fs::path(*value) : fallback;
  };
  const PlatformDirs dirs = platform_dirs(platform, home, source, env);

  Paths paths;
  paths.home = home;
  paths.tool_dir = dirs.app_data / "aigw-setup";

  // With CLAUDE_CONFIG_DIR, Claude Code keeps .claude.json inside that folder too.
  const auto claude_override = source == HomeSource::default_home ? env("CLAUDE_CONFIG_DIR")
                                                                  : std::nullopt;
  const fs::path claude_dir = claude_override ? fs::path(*claude_override) : home / ".claude";
  paths.claude_settings = claude_dir / "settings.json";
  paths.claude_state = claude_override ? claude_dir / ".claude.json" : home / ".claude.json";

  paths.codex_dir = agent_dir("CODEX_HOME", home / ".codex");
  paths.codex_config = paths.codex_dir / "config.toml";

  const fs::path gemini_dir = agent_dir("GEMINI_CLI_HOME", home) / ".gemini";
  paths.gemini_env = gemini_dir / ".env";
  paths.gemini_settings = gemini_dir / "settings.json";
  paths.gemini_trusted_folders = gemini_dir / "trustedFolders.json";

  const fs::path cursor_user = dirs.app_data / "Cursor/User";
  paths.cursor_state_db = cursor_user / "globalStorage/state.vscdb";

  place_system_files(paths, dirs, platform, env);
  return paths;
}

std::string
shown_path(const fs::path& home, const fs::path& path)
{
  const std::string prefix = home.string();
  const std::string text = path.string();
  if (!prefix.empty() && text.rfind(prefix + "/", 0) == 0) {
    return "~" + text.substr(prefix.size());
  }
  return text;
}

} // namespace aigw::core
