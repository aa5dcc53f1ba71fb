// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <map>

#include "core/paths.hpp"

using aigw::core::HomeSource;
using aigw::core::Platform;

namespace {

aigw::core::EnvLookup
env_of(std::map<std::string, std::string> values)
{
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto found = values.find(name);
    return found == values.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
}

struct Row
{
  Platform platform;
  const char* home;
  const char* tool_dir;
  const char* claude_settings;
  const char* claude_state;
  const char* codex_config;
  const char* gemini_env;
  const char* cursor_db;
  const char* claude_managed;
};

} // namespace

TEST_CASE("core::resolve_paths for each platform")
{
  const Row rows[] = {
    {Platform::linux, "/home/u", "/home/u/.config/aigw-setup", "/home/u/.claude/settings.json",
     "/home/u/.claude.json", "/home/u/.codex/config.toml", "/home/u/.gemini/.env",
     "/home/u/.config/Cursor/User/globalStorage/state.vscdb",
     "/etc/claude-code/managed-settings.json"},
    {Platform::macos, "/Users/u", "/Users/u/Library/Application Support/aigw-setup",
     "/Users/u/.claude/settings.json", "/Users/u/.claude.json", "/Users/u/.codex/config.toml",
     "/Users/u/.gemini/.env",
     "/Users/u/Library/Application Support/Cursor/User/globalStorage/state.vscdb",
     "/Library/Application Support/ClaudeCode/managed-settings.json"},
    {Platform::windows, "C:/Users/u", "C:/Users/u/AppData/Roaming/aigw-setup",
     "C:/Users/u/.claude/settings.json", "C:/Users/u/.claude.json",
     "C:/Users/u/.codex/config.toml", "C:/Users/u/.gemini/.env",
     "C:/Users/u/AppData/Roaming/Cursor/User/globalStorage/state.vscdb",
     "C:/Program Files/ClaudeCode/managed-settings.json"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.home);
    const auto paths = aigw::core::resolve_paths(row.platform, row.home,
                                                 HomeSource::default_home, env_of({}));
    CHECK(paths.tool_dir.generic_string() == row.tool_dir);
    CHECK(paths.claude_settings.generic_string() == row.claude_settings);
    CHECK(paths.claude_state.generic_string() == row.claude_state);
    CHECK(paths.codex_config.generic_string() == row.codex_config);
    CHECK(paths.gemini_env.generic_string() == row.gemini_env);
    CHECK(paths.cursor_state_db.generic_string() == row.cursor_db);
    CHECK(paths.claude_managed_settings.generic_string() == row.claude_managed);
  }
}

TEST_CASE("core::resolve_paths honours the agents' overrides only without --home")
{
  const auto env = env_of({{"CLAUDE_CONFIG_DIR", "/cfg/claude"},
                           {"CODEX_HOME", "/cfg/codex"},
                           {"GEMINI_CLI_HOME", "/cfg/gem"},
                           {"XDG_CONFIG_HOME", "/cfg/xdg"}});

  SUBCASE("default home: overrides apply")
  {
    const auto paths = aigw::core::resolve_paths(Platform::linux, "/home/u",
                                                 HomeSource::default_home, env);
    CHECK(paths.claude_settings == "/cfg/claude/settings.json");
    CHECK(paths.claude_state == "/cfg/claude/.claude.json");
    CHECK(paths.codex_config == "/cfg/codex/config.toml");
    CHECK(paths.gemini_env == "/cfg/gem/.gemini/.env");
    CHECK(paths.tool_dir == "/cfg/xdg/aigw-setup");
    CHECK(paths.cursor_state_db == "/cfg/xdg/Cursor/User/globalStorage/state.vscdb");
  }

  SUBCASE("--home: everything under that home")
  {
    const auto paths = aigw::core::resolve_paths(Platform::linux, "/tmp/h",
                                                 HomeSource::explicit_home, env);
    CHECK(paths.claude_settings == "/tmp/h/.claude/settings.json");
    CHECK(paths.claude_state == "/tmp/h/.claude.json");
    CHECK(paths.codex_config == "/tmp/h/.codex/config.toml");
    CHECK(paths.gemini_env == "/tmp/h/.gemini/.env");
    CHECK(paths.tool_dir == "/tmp/h/.config/aigw-setup");
  }
}
