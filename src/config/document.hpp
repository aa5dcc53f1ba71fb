// SPDX-License-Identifier: MIT
// A parsed config file that can be edited without disturbing what the tool does not own.
// Each format has its own editor behind this interface: edits splice the original text,
// so comments, blank lines, order, quoting and unrelated keys survive byte for byte.
// Values cross the interface as JSON values whatever the file's format.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/expected.hpp"

namespace aigw::config {

using Json = nlohmann::ordered_json;

// A key inside a document: {"env", "ANTHROPIC_MODEL"} or {"model_providers", "x", "name"}.
using KeyPath = std::vector<std::string>;

enum class Format {
  json,   // strict JSON (Claude Code settings, ~/.claude.json)
  jsonc,  // JSON with // and /* */ comments (Gemini CLI settings.json)
  toml,   // TOML 1.0 (Codex config.toml)
  dotenv, // the dialect of npm dotenv 16/17 (Gemini CLI .env)
  cursor_db, // Cursor's state.vscdb (SQLite): rows of ItemTable, some holding JSON
};

// Where and why a file failed to parse. Lines and columns count from 1.
struct ParseError
{
  int line = 0;
  int column = 0;
  std::string message;
};

class Document
{
public:
  virtual ~Document() = default;

  // The value at `path`, or nullopt when it is absent.
  virtual std::optional<Json> get(const KeyPath& path) const = 0;

  // Set `path` to `value`, creating missing parent objects or tables. Fails with a message
  // naming the key when a parent exists but is not an object/table, or the value cannot
  // be written in this format. The text still parses after every successful call.
  virtual util::Expected<void, std::string> set(const KeyPath& path, const Json& value) = 0;

  // Remove `path` if it is present; returns whether anything was removed.
  virtual bool remove(const KeyPath& path) = 0;

  // Whether `path` names an object or table that has no members left.
  virtual bool is_empty_container(const KeyPath& path) const = 0;

  // The current text of the document.
  virtual const std::string& text() const = 0;
};

// Parse `text` as `format`. Nothing is repaired: input that the agent reading it would
// reject, or read differently from how it looks, is a ParseError.
util::Expected<std::unique_ptr<Document>, ParseError> parse_document(Format format,
                                                                     std::string text);

// Per-format entry points used by parse_document.
util::Expected<std::unique_ptr<Document>, ParseError> parse_json(std::string text,
                                                                 bool allow_comments);
util::Expected<std::unique_ptr<Document>, ParseError> parse_toml(std::string text);
util::Expected<std::unique_ptr<Document>, ParseError> parse_dotenv(std::string text);
util::Expected<std::unique_ptr<Document>, ParseError> parse_cursor_state(std::string bytes);

// Cursor's state rows as "key = value" lines, sorted, JSON rows pretty-printed: what a
// person can read in a diff of that binary file.
std::string cursor_state_listing(const std::string& bytes);

// The text a diff of a file in `format` should compare: the file itself, but for binary
// formats a readable listing.
std::string display_text(Format format, const std::string& bytes);

} // namespace aigw::config
