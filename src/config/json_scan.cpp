// SPDX-License-Identifier: MIT
// The scanner walks bytes forward and never recurses: containers are skipped by counting
// brackets, so a deeply nested value costs no stack. A get() walks each object on the
// path once and stops at the key it wants, so it reads the file at most once.
#include "config/json_scan.hpp"

#include <algorithm>
#include <array>

namespace aigw::config {

namespace {

bool
key_matches(std::string_view token, const std::string& key)
{
  const std::string_view raw = token.substr(1, token.size() - 2);
  if (raw.find('\\') == k_json_none) {
    return raw == key;
  }
  // An escaped key ("\u0041") means what JSON.parse decodes it to.
  return Json::parse(token.begin(), token.end()).get<std::string>() == key;
}

} // namespace

JsonScanner::JsonScanner(std::string_view text, bool allow_comments)
  : m_text(text), m_comments(allow_comments)
{
}

bool
JsonScanner::is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool
JsonScanner::is_word(char c)
{
  const auto byte = static_cast<unsigned char>(c);
  const auto lower = static_cast<unsigned char>(byte | 0x20);
  return (byte >= '0' && byte <= '9') || (lower >= 'a' && lower <= 'z') || c == '-' || c == '+'
         || c == '.' || c == '_';
}

bool
JsonScanner::blank(std::string_view text)
{
  return text.find_first_not_of(" \t\n\r") == k_json_none;
}

bool
JsonScanner::comment_at(std::size_t pos) const
{
  return m_comments && at(pos) == '/' && (at(pos + 1) == '/' || at(pos + 1) == '*');
}

// Past the comment at `pos`. A line comment ends before its line break, as nlohmann's does.
std::size_t
JsonScanner::skip_comment(std::size_t pos) const
{
  if (at(pos + 1) == '/') {
    return std::min(m_text.find_first_of("\r\n", pos), m_text.size());
  }
  const std::size_t close = m_text.find("*/", pos + 2);
  return close == k_json_none ? m_text.size() : close + 2;
}

std::size_t
JsonScanner::skip_space(std::size_t pos) const
{
  while (pos < m_text.size()) {
    if (is_space(m_text[pos])) {
      ++pos;
    } else if (comment_at(pos)) {
      pos = skip_comment(pos);
    } else {
      break;
    }
  }
  return pos;
}

std::size_t
JsonScanner::skip_string(std::size_t pos) const
{
  for (std::size_t i = pos + 1; i < m_text.size(); ++i) {
    if (m_text[i] == '"') {
      return i + 1;
    }
    if (m_text[i] == '\\') {
      ++i;
    }
  }
  return m_text.size();
}

std::size_t
JsonScanner::skip_value(std::size_t pos) const
{
  if (at(pos) == '"') {
    return skip_string(pos);
  }
  if (at(pos) != '{' && at(pos) != '[') {
    while (is_word(at(pos))) {
      ++pos;
    }
    return pos;
  }

  std::size_t depth = 0;
  while ((pos = next_bracket_or_string(pos)) < m_text.size()) {
    const char c = m_text[pos];
    if (c == '"') {
      pos = skip_string(pos);
    } else if (c == '/') {
      pos = comment_at(pos) ? skip_comment(pos) : pos + 1;
    } else {
      depth = (c == '{' || c == '[') ? depth + 1 : depth - 1;
      if (++pos; depth == 0) {
        return pos;
      }
    }
  }
  return m_text.size();
}

// A lookup table: find_first_of tests each byte against every stop, which made skipping a
// 50 MB value noticeably slower.
std::size_t
JsonScanner::next_bracket_or_string(std::size_t pos) const
{
  static constexpr auto k_stops = [] {
    std::array<bool, 256> stops{};
    for (const char c : std::string_view("\"{}[]/")) {
      stops[static_cast<unsigned char>(c)] = true;
    }
    return stops;
  }();
  while (pos < m_text.size() && !k_stops[static_cast<unsigned char>(m_text[pos])]) {
    ++pos;
  }
  return pos;
}

std::size_t
JsonScanner::token_end(std::size_t pos) const
{
  if (at(pos) == '"') {
    return skip_string(pos);
  }
  if (comment_at(pos)) {
    return skip_comment(pos);
  }
  std::size_t end = pos + 1;
  if (is_word(at(pos))) {
    while (is_word(at(end))) {
      ++end;
    }
  }
  while ((static_cast<unsigned char>(at(end)) & 0xC0) == 0x80) {
    ++end; // the rest of a UTF-8 character
  }
  return end;
}

std::size_t
JsonScanner::token_start(std::size_t at) const
{
  std::size_t pos = 0;
  while (true) {
    while (pos < m_text.size() && is_space(m_text[pos])) {
      ++pos;
    }
    if (pos >= at) {
      return at;
    }
    const std::size_t end = token_end(pos);
    if (at < end) {
      return pos;
    }
    pos = end;
  }
}

std::size_t
JsonScanner::line_start(std::size_t pos) const
{
  const std::size_t newline = pos == 0 ? k_json_none : m_text.rfind('\n', pos - 1);
  return newline == k_json_none ? 0 : newline + 1;
}

std::optional<std::string_view>
JsonScanner::line_indent(std::size_t pos) const
{
  const std::size_t start = line_start(pos);
  const std::string_view before = m_text.substr(start, pos - start);
  if (before.find_first_not_of(" \t") != k_json_none) {
    return std::nullopt;
  }
  return before;
}

std::string
JsonScanner::leading_indent(std::size_t pos) const
{
  const std::size_t start = line_start(pos);
  const std::size_t end = std::min(m_text.find_first_not_of(" \t", start), pos);
  return std::string(m_text.substr(start, end - start));
}

JsonLookup
JsonScanner::lookup(std::size_t open, const std::string& key) const
{
  JsonLookup found;
  JsonMemberReader reader(*this, open);
  JsonMember member;
  while (reader.next(member)) {
    if (key_matches(m_text.substr(member.key, member.key_end - member.key), key)) {
      found.member = member;
      return found;
    }
    found.previous = member;
  }
  found.close = reader.close();
  return found;
}

JsonWalk
JsonScanner::walk(std::size_t root, const KeyPath& path) const
{
  JsonWalk result;
  std::size_t pos = root;
  for (std::size_t i = 0; i < path.size(); ++i) {
    result.parent = pos;
    if (at(pos) != '{') {
      result.blocked = true;
      return result;
    }
    result.lookup = lookup(pos, path[i]);
    if (!result.lookup.member) {
      return result;
    }
    result.found = i + 1;
    pos = result.lookup.member->value;
  }
  return result;
}

JsonMemberReader::JsonMemberReader(const JsonScanner& scanner, std::size_t open)
  : m_scanner(scanner), m_pos(open + 1)
{
}

bool
JsonMemberReader::next(JsonMember& member)
{
  const std::size_t key = m_scanner.skip_space(m_pos);
  if (m_scanner.at(key) != '"') {
    m_close = key;
    return false;
  }

  member.key = key;
  member.key_end = m_scanner.skip_string(key);
  member.colon = m_scanner.skip_space(member.key_end);
  member.value = m_scanner.skip_space(member.colon + 1);
  member.value_end = m_scanner.skip_value(member.value);

  const std::size_t after = m_scanner.skip_space(member.value_end);
  member.comma = m_scanner.at(after) == ',' ? after : k_json_none;
  m_pos = member.comma == k_json_none ? after : after + 1;
  return true;
}

} // namespace aigw::config
