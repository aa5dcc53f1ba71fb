// SPDX-License-Identifier: MIT
// The TOML editor (Codex CLI's config.toml). toml++ validates the text and answers get();
// edits splice the original text at spans found by toml_layout, then the whole text is
// parsed again, and an edit that no longer parses or no longer holds the value set is
// undone. Choices the format leaves open:
// - A new key whose parent is an inline table goes inside that inline table (TOML forbids
//   extending it from outside); in a table made of dotted keys it becomes one more dotted
//   key next to the others; in a table with no [header] of its own (missing, or only
//   implied by [a.b.c] headers) it starts a new [a.b] section at the end of the file.
// - Setting an object where the file has a table (a [header], dotted keys) rewrites the
//   table's keys one by one, so the table keeps its place and form; setting any other
//   value there, or anything where the file has an array of tables, is refused.
// - Comment lines directly above a [header] belong to it: keys are inserted before them
//   and a removed table takes them along, except a comment block that opens the file.
#include "config/document.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/toml_locate.hpp"
#include "config/toml_splice.hpp"
#include "config/toml_values.hpp"

namespace aigw::config {

namespace {

using Kind = TomlStatementKind;
using Outcome = util::Expected<void, std::string>;

struct TomlState
{
  std::string text;
  toml::table root;
  TomlLayout layout;
};

util::Expected<TomlState, ParseError>
parse_state(std::string text)
{
  TomlState state;
  try {
    state.root = toml::parse(text);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return util::unexpected(ParseError{static_cast<int>(where.line),
                                       static_cast<int>(where.column),
                                       std::string(error.description())});
  }
  auto layout = scan_toml_layout(text);
  if (!layout) {
    return util::unexpected(std::move(layout).error());
  }
  state.layout = std::move(*layout);
  state.text = std::move(text);
  return state;
}

class TomlDocument final : public Document
{
public:
  explicit TomlDocument(TomlState state)
    : m_state(std::move(state)), m_newline(detect_newline(m_state.text))
  {
  }

  std::optional<Json> get(const KeyPath& path) const override;
  Outcome set(const KeyPath& path, const Json& value) override;
  bool remove(const KeyPath& path) override;
  bool is_empty_container(const KeyPath& path) const override;
  const std::string& text() const override { return m_state.text; }

private:
  const toml::node* find(const KeyPath& path) const;
  Outcome adopt(std::string text);
  Outcome splice(Span span, const std::string& replacement);

  Outcome set_value(const KeyPath& path, const Json& value);
  Outcome replace(const KeyPath& path, const Json& value, const toml::node& node);
  Outcome rewrite_table(const KeyPath& path, const Json& value);
  Outcome check_parents(const KeyPath& path) const;
  Outcome add(const KeyPath& path, const Json& value);
  Outcome add_to_inline(const TomlValue& table, const KeyPath& key, const std::string& value);
  Outcome add_top_level(const std::string& line);
  Outcome add_to_section(std::size_t header, const std::string& line);
  Outcome add_after(std::size_t statement, const std::string& line);
  Outcome add_line_at(std::size_t pos, const std::string& line, BlankAfter blank);
  Outcome add_section(const KeyPath& path, const Json& value);

  Outcome remove_one_place(const KeyPath& path);
  Outcome remove_member(const TomlValue& table, const TomlEntry& member);
  Outcome remove_statement(std::size_t index);

  TomlState m_state;
  std::string m_newline;
};

const toml::node*
TomlDocument::find(const KeyPath& path) const
{
  const toml::node* node = &m_state.root;
  for (const auto& key : path) {
    const auto* table = node->as_table();
    node = table ? table->get(key) : nullptr;
    if (!node) {
      return nullptr;
    }
  }
  return node;
}

Outcome
TomlDocument::adopt(std::string text)
{
  auto state = parse_state(std::move(text));
  if (!state) {
    const auto& error = state.error();
    return util::unexpected("the edit would make the file invalid (line "
                            + std::to_string(error.line) + ", column "
                            + std::to_string(error.column) + ": " + error.message + ")");
  }
  m_state = std::move(*state);
  return {};
}

Outcome
TomlDocument::splice(Span span, const std::string& replacement)
{
  std::string text = m_state.text;
  text.replace(span.begin, span.end - span.begin, replacement);
  return adopt(std::move(text));
}

std::optional<Json>
TomlDocument::get(const KeyPath& path) const
{
  const auto* node = find(path);
  if (!node) {
    return std::nullopt;
  }
  return toml_to_json(*node);
}

bool
TomlDocument::is_empty_container(const KeyPath& path) const
{
  // Sub-tables with nothing in them do not count: once the keys we added are gone, the
  // [model_providers.x] header left behind must not keep model_providers alive.
  const auto* node = find(path);
  if (!node || !holds_no_values(*node)) {
    return false;
  }
  // The whole document is empty only when blank: a comment or header the user added to a
  // file we created keeps the file.
  return !path.empty()
         || m_state.text.find_first_not_of(" \t\r\n", m_state.layout.body_begin)
              == std::string::npos;
}

Outcome
TomlDocument::set(const KeyPath& path, const Json& value)
{
  if (path.empty()) {
    return util::unexpected(std::string("the whole document cannot be replaced"));
  }
  if (const auto current = get(path); current && same_json(*current, value)) {
    return {};
  }

  const TomlState before = m_state;
  auto done = set_value(path, value);
  if (done) {
    const auto now = get(path);
    if (!now || !same_json(*now, value)) {
      done = util::unexpected(std::string("the edited file would not hold the value set"));
    }
  }
  if (!done) {
    m_state = before;
  }
  return done;
}

Outcome
TomlDocument::set_value(const KeyPath& path, const Json& value)
{
  if (const auto* node = find(path)) {
    return replace(path, value, *node);
  }
  return add(path, value);
}

Outcome
TomlDocument::replace(const KeyPath& path, const Json& value, const toml::node& node)
{
  const TomlLocation place = locate_key(m_state.layout, path);
  if (place.entry) {
    auto rendered = render_toml_value(value);
    AIGW_TRY(rendered);
    return splice(place.entry->value.span, *rendered);
  }
  if (node.is_array()) {
    return util::unexpected(render_toml_key(path)
                            + " is an array of tables ([[...]]) in the file; it is not replaced");
  }
  if (!value.is_object()) {
    return util::unexpected(render_toml_key(path) + " is a table in the file and cannot become "
                            + kind_name(value));
  }
  return rewrite_table(path, value);
}

// The table keeps its header or dotted form: keys it should no longer have go, then each
// key is set where it is or added after the others.
Outcome
TomlDocument::rewrite_table(const KeyPath& path, const Json& value)
{
  const auto* table = find(path)->as_table();
  if (!table) {
    return util::unexpected("cannot find where " + render_toml_key(path) + " is written");
  }
  std::vector<std::string> old_keys;
  for (const auto& [key, member] : *table) {
    old_keys.emplace_back(key.str());
  }
  for (const auto& key : old_keys) {
    if (!value.contains(key) && !remove(join_path(path, {key}))) {
      return util::unexpected("cannot remove " + render_toml_key(join_path(path, {key})));
    }
  }
  for (const auto& [key, member] : value.items()) {
    AIGW_TRY(set_value(join_path(path, {key}), member));
  }
  return {};
}

Outcome
TomlDocument::check_parents(const KeyPath& path) const
{
  for (std::size_t depth = path.size() - 1; depth > 0; --depth) {
    const KeyPath prefix(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(depth));
    if (const auto* node = find(prefix)) {
      if (node->is_table()) {
        return {};
      }
      return util::unexpected(render_toml_key(prefix) + " is " + kind_name(*node)
                              + ", not a table");
    }
  }
  return {};
}

Outcome
TomlDocument::add(const KeyPath& path, const Json& value)
{
  AIGW_TRY(check_parents(path));
  auto rendered = render_toml_value(value);
  AIGW_TRY(rendered);

  const TomlLocation place = locate_key(m_state.layout, path);
  if (place.inline_table) {
    return add_to_inline(*place.inline_table, path_tail(path, place.base.size()), *rendered);
  }
  const KeyPath table(path.begin(), path.end() - 1);
  const std::string line = render_toml_key({path.back()}) + " = " + *rendered;
  if (table.empty()) {
    return add_top_level(line);
  }

  // The deepest table that exists decides the form: its own [header] section, one more
  // dotted key beside those that make it, or else a new section.
  for (std::size_t depth = table.size(); depth > 0; --depth) {
    const KeyPath prefix(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(depth));
    if (!find(prefix)) {
      continue;
    }
    if (const auto header = find_header(m_state.layout, prefix)) {
      return depth == table.size() ? add_to_section(*header, line) : add_section(path, value);
    }
    if (const auto dotted = last_dotted_entry(m_state.layout, prefix)) {
      const KeyPath key = path_tail(path, m_state.layout.statements[*dotted].table.size());
      return add_after(*dotted, render_toml_key(key) + " = " + *rendered);
    }
    break;
  }
  return add_section(path, value);
}

// After the last key of the section that header `index` opens.
Outcome
TomlDocument::add_to_section(std::size_t header, const std::string& line)
{
  const auto& statements = m_state.layout.statements;
  std::size_t end = header + 1;
  while (end < statements.size() && !is_header(statements[end])) {
    ++end;
  }
  return add_after(last_entry_between(m_state.layout, header, end).value_or(header), line);
}

Outcome
TomlDocument::add_to_inline(const TomlValue& table, const KeyPath& key, const std::string& value)
{
  const std::string member = render_toml_key(key) + " = " + value;
  if (table.members.empty()) {
    return splice(table.span, "{ " + member + " }");
  }
  const std::size_t end = table.members.back().value.span.end;
  return splice({end, end}, ", " + member);
}

// After the last top-level key; with none, after the comments that open the file.
Outcome
TomlDocument::add_top_level(const std::string& line)
{
  const auto& layout = m_state.layout;
  const std::size_t header = first_header(layout);
  if (const auto last = last_entry_between(layout, 0, header)) {
    return add_after(*last, line);
  }
  if (header == layout.statements.size()) {
    return add_line_at(m_state.text.size(), line, BlankAfter::no);
  }
  std::size_t index = 0;
  while (layout.statements[index].kind == Kind::comment) {
    ++index;
  }
  // A blank line keeps the new key from reading as part of the header below it.
  const auto blank = index == header ? BlankAfter::yes : BlankAfter::no;
  return add_line_at(layout.statements[index].span.begin, line, blank);
}

Outcome
TomlDocument::add_after(std::size_t statement, const std::string& line)
{
  const auto& anchor = m_state.layout.statements[statement];
  const std::string indent =
    anchor.kind == Kind::entry ? indentation_at(m_state.text, anchor.span.begin) : "";
  return add_line_at(anchor.span.end, indent + line, BlankAfter::no);
}

Outcome
TomlDocument::add_line_at(std::size_t pos, const std::string& line, BlankAfter blank)
{
  return adopt(
    insert_line(m_state.text, pos, m_state.layout.body_begin, line, m_newline, blank));
}

// A new section at the end of the file, one blank line after what comes before. An object
// becomes a [path] section of its own, the way a table moved back from elsewhere was most
// likely written; anything else is a key under a new [parent] section.
Outcome
TomlDocument::add_section(const KeyPath& path, const Json& value)
{
  KeyPath table = path;
  std::vector<std::pair<std::string, const Json*>> members;
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      members.emplace_back(key, &member);
    }
  } else {
    table.pop_back();
    members.emplace_back(path.back(), &value);
  }

  std::string block = "[" + render_toml_key(table) + "]" + m_newline;
  for (const auto& [key, member] : members) {
    auto rendered = render_toml_value(*member);
    AIGW_TRY(rendered);
    block += render_toml_key({key}) + " = " + *rendered + m_newline;
  }

  return adopt(append_block(m_state.text, m_state.layout.body_begin, block, m_newline));
}

bool
TomlDocument::remove(const KeyPath& path)
{
  if (path.empty() || !find(path)) {
    return false;
  }
  const TomlState before = m_state;
  // A table can be written in several places (sub-tables, dotted keys): one per pass.
  for (std::size_t pass = 0; find(path); ++pass) {
    if (pass > before.layout.statements.size() || !remove_one_place(path)) {
      m_state = before;
      return false;
    }
  }
  return true;
}

Outcome
TomlDocument::remove_one_place(const KeyPath& path)
{
  const TomlLocation place = locate_key(m_state.layout, path);
  if (place.entry && place.inline_table) {
    return remove_member(*place.inline_table, *place.entry);
  }
  if (place.entry) {
    return remove_statement(place.statement);
  }
  if (place.inline_table) {
    for (const auto& member : place.inline_table->members) {
      if (starts_with(join_path(place.base, member.key), path)) {
        return remove_member(*place.inline_table, member);
      }
    }
  }
  if (const auto run = section_run(m_state.layout, path, m_state.text.size())) {
    return adopt(cut_lines(m_state.text, *run, m_state.layout.body_begin, GapBeforeHeader::keep));
  }
  const auto& statements = m_state.layout.statements;
  for (std::size_t index = 0; index < statements.size(); ++index) {
    const auto& statement = statements[index];
    if (statement.kind == Kind::entry && !starts_with(statement.table, path)
        && starts_with(join_path(statement.table, statement.entry.key), path)) {
      return remove_statement(index);
    }
  }
  return util::unexpected("cannot find where " + render_toml_key(path) + " is written");
}

// Without its separating comma; an inline table left with no members reads `{}`.
Outcome
TomlDocument::remove_member(const TomlValue& table, const TomlEntry& member)
{
  const auto& members = table.members;
  const auto index = static_cast<std::size_t>(&member - members.data());
  if (members.size() == 1) {
    return splice(table.span, "{}");
  }
  if (index + 1 < members.size()) {
    return splice({member.begin, members[index + 1].begin}, "");
  }
  return splice({members[index - 1].value.span.end, member.value.span.end}, "");
}

Outcome
TomlDocument::remove_statement(std::size_t index)
{
  const auto& layout = m_state.layout;
  const auto& statement = layout.statements[index];
  // The blank line that add_top_level put before the first header leaves with the last
  // top-level key.
  const bool last_top_level = statement.table.empty()
                              && !last_entry_between(layout, 0, index)
                              && !last_entry_between(layout, index + 1, first_header(layout));
  const auto gap = last_top_level ? GapBeforeHeader::drop : GapBeforeHeader::keep;
  return adopt(cut_lines(m_state.text, statement.span, layout.body_begin, gap));
}

} // namespace

util::Expected<std::unique_ptr<Document>, ParseError>
parse_toml(std::string text)
{
  auto state = parse_state(std::move(text));
  if (!state) {
    return util::unexpected(std::move(state).error());
  }
  return std::unique_ptr<Document>(std::make_unique<TomlDocument>(std::move(*state)));
}

} // namespace aigw::config
