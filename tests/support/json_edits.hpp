// SPDX-License-Identifier: MIT
// Shared by the JSON editor tests: parse a text or edit it and get the bytes back, and the
// two files they edit most, a Claude Code settings file and Gemini CLI settings with comments.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>

#include "config/document.hpp"

namespace aigw::test::json_edits {

enum class Mode { strict, comments };

inline std::unique_ptr<config::Document>
parse_ok(std::string text, Mode mode = Mode::strict)
{
  auto parsed = config::parse_json(std::move(text), mode == Mode::comments);
  if (!parsed) {
    FAIL("parse error " << parsed.error().line << ":" << parsed.error().column << ": "
                        << parsed.error().message);
  }
  return std::move(parsed).value();
}

inline std::string
after_set(std::string text,
          const config::KeyPath& path,
          const config::Json& value,
          Mode mode = Mode::strict)
{
  auto document = parse_ok(std::move(text), mode);
  const auto done = document->set(path, value);
  if (!done) {
    FAIL("set failed: " << done.error());
  }
  return document->text();
}

inline std::string
after_remove(std::string text, const config::KeyPath& path, Mode mode = Mode::strict)
{
  auto document = parse_ok(std::move(text), mode);
  CHECK(document->remove(path));
  return document->text();
}

// A Claude Code user settings file as people have them.
inline const std::string k_settings = R"j({
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "permissions": {
    "allow": [
      "Bash(npm run lint)",
      "Read(~/.zshrc)"
    ],
    "deny": []
  },
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [
          {
            "type": "command",
            "command": "npx prettier --write \"$FILE\""
          }
        ]
      }
    ]
  },
  "env": {
    "DISABLE_TELEMETRY": "1",
    "HTTPS_PROXY": "http://proxy.corp:8080"
  },
  "model": "opus"
}
)j";

// Gemini CLI settings with comments in every place a comment may sit.
inline const std::string k_gemini = R"(// Gemini CLI settings
{
  // the look
  "theme": "GitHub", // trailing comment
  /* a block
     comment */
  "security": {
    "auth": {
      // how we log in
      "selectedType": "oauth-personal" /* inline */
    }
  },
  "url": "http://example.com/a//b/*c*/", // the string holds no comment
  "glob": "src/**/*.ts"
  // after the last member
}
// the end
)";
} // namespace aigw::test::json_edits
