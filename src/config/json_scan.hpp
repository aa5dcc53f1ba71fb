// SPDX-License-Identifier: MIT
// Byte offsets in JSON text that nlohmann/json has already accepted: where strings,
// comments, values and object members begin and end. Nothing here validates; the scanner
// only has to agree with nlohmann on valid text, and on the valid start of text that fails,
// which is all the editor and its error messages ask of it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/document.hpp"

namespace aigw::config {

inline constexpr std::size_t k_json_none = std::string_view::npos;

// Byte offsets of one `"key": value` member of an object.
struct JsonMember
{
  std::size_t key = 0;             // the key's opening quote
  std::size_t key_end = 0;         // just past its closing quote
  std::size_t colon = 0;
  std::size_t value = 0;           // the value's first byte
  std::size_t value_end = 0;       // just past the value
  std::size_t comma = k_json_none; // the comma after the value, when a member follows
};

// Where a key is in one object: its member and the one before it, or, when the key is
// absent, the last member and the closing brace.
struct JsonLookup
{
  std::optional<JsonMember> member;
  std::optional<JsonMember> previous;
  std::size_t close = k_json_none;
};

// How far a key path leads: `found` keys exist. `parent` is the '{' of the object that
// holds (or would hold) the next key, or, when `blocked`, the value on the way that is
// not an object.
struct JsonWalk
{
  std::size_t found = 0;
  std::size_t parent = k_json_none;
  JsonLookup lookup;
  bool blocked = false;
};

class JsonScanner
{
public:
  JsonScanner(std::string_view text, bool allow_comments);

  static bool is_space(char c);
  // A byte of a number or of a bare word (true, tru, yes).
  static bool is_word(char c);
  // Whether `text` holds only JSON whitespace.
  static bool blank(std::string_view text);

  std::string_view text() const { return m_text; }
  char at(std::size_t pos) const { return pos < m_text.size() ? m_text[pos] : '\0'; }

  bool comment_at(std::size_t pos) const;
  std::size_t skip_comment(std::size_t pos) const;
  std::size_t skip_space(std::size_t pos) const;
  std::size_t skip_string(std::size_t pos) const;
  std::size_t skip_value(std::size_t pos) const;

  // Past the token at `pos`, whatever it is; strings and block comments may run to the end.
  std::size_t token_end(std::size_t pos) const;
  // Start of the token holding byte `at`, read from the top; `at` itself in whitespace.
  std::size_t token_start(std::size_t at) const;

  std::size_t line_start(std::size_t pos) const;
  // The spaces and tabs before `pos` when nothing else precedes it on its line.
  std::optional<std::string_view> line_indent(std::size_t pos) const;
  // The spaces and tabs that open the line holding `pos`.
  std::string leading_indent(std::size_t pos) const;

  JsonLookup lookup(std::size_t open, const std::string& key) const;
  JsonWalk walk(std::size_t root, const KeyPath& path) const;

private:
  std::size_t next_bracket_or_string(std::size_t pos) const;

  std::string_view m_text;
  bool m_comments;
};

// Reads the members of the object whose '{' is at `open`, in order.
class JsonMemberReader
{
public:
  JsonMemberReader(const JsonScanner& scanner, std::size_t open);

  bool next(JsonMember& member);

  // The object's '}', once next() has returned false.
  std::size_t close() const { return m_close; }

private:
  const JsonScanner& m_scanner;
  std::size_t m_pos;
  std::size_t m_close = k_json_none;
};

} // namespace aigw::config
