// SPDX-License-Identifier: MIT
// Where things sit in a TOML text: the byte spans of every table header, key/value
// statement and inline-table member, so that edits can splice the original text instead of
// re-printing it. toml++ checks the grammar and gives the values; this only finds places.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "config/document.hpp"

namespace aigw::config {

// The bytes [begin, end) of the text.
struct Span
{
  std::size_t begin = 0;
  std::size_t end = 0;
};

struct TomlEntry;

// A value as written. An inline table keeps its members so edits can reach inside it.
struct TomlValue
{
  Span span;
  bool inline_table = false;
  std::vector<TomlEntry> members;
};

// `key = value`, either a statement of its own or a member of an inline table.
struct TomlEntry
{
  KeyPath key;           // the dotted key with quotes and escapes resolved
  std::size_t begin = 0; // the first byte of the key
  TomlValue value;
};

enum class TomlStatementKind {
  blank,       // only spaces or tabs
  comment,     // only a comment
  table,       // [a.b]
  array_table, // [[a.b]]
  entry,       // a key/value, on one line or, for arrays and multi-line strings, several
};

// Whole lines, from the first byte of the first to just after the last one's line break.
struct TomlStatement
{
  TomlStatementKind kind = TomlStatementKind::blank;
  Span span;
  KeyPath table;   // the table the statement sits in; for a header, the table it opens
  TomlEntry entry; // entries only
};

struct TomlLayout
{
  std::vector<TomlStatement> statements;
  std::size_t body_begin = 0; // 3 when the text starts with a UTF-8 byte-order mark
};

// The layout of `text`, which toml++ has already accepted. Fails, naming the place, only
// where this scanner cannot follow a construct that toml++ allowed.
util::Expected<TomlLayout, ParseError> scan_toml_layout(std::string_view text);

} // namespace aigw::config
