// SPDX-License-Identifier: MIT
// Linear scans over the statements: config files are small, and a fresh layout after
// every edit is simpler to trust than an index kept up to date.
#include "config/toml_locate.hpp"

#include <algorithm>

namespace aigw::config {

namespace {

using Kind = TomlStatementKind;

TomlLocation
locate_inside(const TomlValue& table, const KeyPath& base, const KeyPath& path,
              std::size_t statement)
{
  for (const auto& member : table.members) {
    const KeyPath full = join_path(base, member.key);
    if (full == path) {
      return {&member, statement, &table, base};
    }
    if (full.size() < path.size() && starts_with(path, full) && member.value.inline_table) {
      return locate_inside(member.value, full, path, statement);
    }
  }
  return {nullptr, statement, &table, base};
}

} // namespace

TomlLocation
locate_key(const TomlLayout& layout, const KeyPath& path)
{
  const auto& statements = layout.statements;
  for (std::size_t index = 0; index < statements.size(); ++index) {
    const auto& statement = statements[index];
    if (statement.kind != Kind::entry) {
      continue;
    }
    const KeyPath full = join_path(statement.table, statement.entry.key);
    if (full == path) {
      return {&statement.entry, index, nullptr, {}};
    }
    if (full.size() < path.size() && starts_with(path, full)
        && statement.entry.value.inline_table) {
      return locate_inside(statement.entry.value, full, path, index);
    }
  }
  return {};
}

bool
is_header(const TomlStatement& statement)
{
  return statement.kind == Kind::table || statement.kind == Kind::array_table;
}

std::size_t
first_header(const TomlLayout& layout)
{
  std::size_t index = 0;
  while (index < layout.statements.size() && !is_header(layout.statements[index])) {
    ++index;
  }
  return index;
}

std::optional<std::size_t>
last_entry_between(const TomlLayout& layout, std::size_t from, std::size_t to)
{
  std::optional<std::size_t> last;
  for (std::size_t index = from; index < to; ++index) {
    if (layout.statements[index].kind == Kind::entry) {
      last = index;
    }
  }
  return last;
}

std::optional<std::size_t>
find_header(const TomlLayout& layout, const KeyPath& table)
{
  for (std::size_t index = 0; index < layout.statements.size(); ++index) {
    if (layout.statements[index].kind == Kind::table && layout.statements[index].table == table) {
      return index;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t>
last_dotted_entry(const TomlLayout& layout, const KeyPath& table)
{
  std::optional<std::size_t> last;
  for (std::size_t index = 0; index < layout.statements.size(); ++index) {
    const auto& statement = layout.statements[index];
    if (statement.kind == Kind::entry && statement.table.size() < table.size()
        && starts_with(table, statement.table)
        && starts_with(join_path(statement.table, statement.entry.key), table)) {
      last = index;
    }
  }
  return last;
}

std::size_t
lead_in_begin(const TomlLayout& layout, std::size_t index)
{
  std::size_t first = index;
  while (first > 0 && layout.statements[first - 1].kind == Kind::comment) {
    --first;
  }
  return layout.statements[first == 0 ? index : first].span.begin;
}

std::optional<Span>
section_run(const TomlLayout& layout, const KeyPath& path, std::size_t text_size)
{
  const auto& statements = layout.statements;
  const auto related = [&](std::size_t index) {
    return is_header(statements[index]) && starts_with(statements[index].table, path);
  };
  std::size_t first = 0;
  while (first < statements.size() && !related(first)) {
    ++first;
  }
  if (first == statements.size()) {
    return std::nullopt;
  }
  std::size_t next = first + 1;
  while (next < statements.size() && (!is_header(statements[next]) || related(next))) {
    ++next;
  }
  const std::size_t end = next < statements.size() ? lead_in_begin(layout, next) : text_size;
  return Span{lead_in_begin(layout, first), end};
}

bool
starts_with(const KeyPath& path, const KeyPath& prefix)
{
  return path.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

KeyPath
join_path(const KeyPath& head, const KeyPath& tail)
{
  KeyPath path = head;
  path.insert(path.end(), tail.begin(), tail.end());
  return path;
}

KeyPath
path_tail(const KeyPath& path, std::size_t count)
{
  return KeyPath(path.begin() + static_cast<std::ptrdiff_t>(count), path.end());
}

} // namespace aigw::config
