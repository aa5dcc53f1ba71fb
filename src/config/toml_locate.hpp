// SPDX-License-Identifier: MIT
// Questions the TOML editor asks of a layout: where a key is written, which section a
// table header opens, and which comment lines lead into a header.
#pragma once

#include <cstddef>
#include <optional>

#include "config/toml_layout.hpp"

namespace aigw::config {

// Where a key is written: the entry holding it, and the inline table around that entry;
// for a key not written, the innermost inline table that would have to hold it, if any.
struct TomlLocation
{
  const TomlEntry* entry = nullptr;
  std::size_t statement = 0; // the statement holding `entry` or `inline_table`
  const TomlValue* inline_table = nullptr;
  KeyPath base; // the path of `inline_table`
};

// Where `path` is written as a key/value in `layout`, directly or inside inline tables.
TomlLocation locate_key(const TomlLayout& layout, const KeyPath& path);

bool is_header(const TomlStatement& statement);

// The index of the first table header, or the number of statements when there is none.
std::size_t first_header(const TomlLayout& layout);

// The last key/value statement among statements [from, to).
std::optional<std::size_t> last_entry_between(const TomlLayout& layout, std::size_t from,
                                              std::size_t to);

// The statement `[table]`, if the file has it.
std::optional<std::size_t> find_header(const TomlLayout& layout, const KeyPath& table);

// The last key/value statement that makes `table` out of dotted keys (`auth.command = ""`).
std::optional<std::size_t> last_dotted_entry(const TomlLayout& layout, const KeyPath& table);

// Where the comment lines directly above header `index` start. A comment block that opens
// the file is about the file, so it never counts.
std::size_t lead_in_begin(const TomlLayout& layout, std::size_t index);

// The first run of [path] and [path.*] sections, with the comments leading into it, up
// to the comments leading into the next unrelated header or the end (`text_size`).
std::optional<Span> section_run(const TomlLayout& layout, const KeyPath& path,
                                std::size_t text_size);

// Whether `path` begins with all of `prefix`.
bool starts_with(const KeyPath& path, const KeyPath& prefix);

// `head` followed by `tail`.
KeyPath join_path(const KeyPath& head, const KeyPath& tail);

// The part of `path` after its first `count` keys.
KeyPath path_tail(const KeyPath& path, std::size_t count);

} // namespace aigw::config
