// SPDX-License-Identifier: MIT
// A recursive-descent walk over TOML 1.0 text that records spans, not values. It runs
// only after toml++ accepted the text, so it follows the grammar without re-checking it
// (no escape validation, no number rules). Keys are decoded, because edits find places by
// key. A construct the walk does not expect throws a local ScanFailure, turned into a
// ParseError at the top: unwinding is simpler than threading failure through every level.
#include "config/toml_layout.hpp"

#include <string>

namespace aigw::config {

namespace {

struct ScanFailure
{
  std::size_t offset;
  std::string what;
};

bool
is_bare_key_char(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
         || c == '-';
}

bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

// `code_point` in UTF-8 (toml++ has checked that it is a Unicode scalar value).
void
append_utf8(std::string& out, unsigned long code_point)
{
  const auto byte = [](unsigned long bits) { return static_cast<char>(bits & 0xFFu); };
  if (code_point < 0x80) {
    out += byte(code_point);
  } else if (code_point < 0x800) {
    out += byte(0xC0 | (code_point >> 6));
    out += byte(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += byte(0xE0 | (code_point >> 12));
    out += byte(0x80 | ((code_point >> 6) & 0x3F));
    out += byte(0x80 | (code_point & 0x3F));
  } else {
    out += byte(0xF0 | (code_point >> 18));
    out += byte(0x80 | ((code_point >> 12) & 0x3F));
    out += byte(0x80 | ((code_point >> 6) & 0x3F));
    out += byte(0x80 | (code_point & 0x3F));
  }
}

class Scanner
{
public:
  explicit Scanner(std::string_view text) : m_text(text) {}

  TomlLayout run();

private:
  char peek(std::size_t ahead = 0) const
  {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }
  bool at_end() const { return m_pos >= m_text.size(); }
  bool looking_at(std::string_view token) const
  {
    return m_text.substr(m_pos, token.size()) == token;
  }
  [[noreturn]] void fail(const std::string& what) const { throw ScanFailure{m_pos, what}; }
  void expect(char c);

  void skip_spaces();
  void skip_spaces_comments_and_breaks();
  void finish_line();
  TomlStatement scan_header(std::size_t line_begin);
  TomlStatement scan_entry_statement(std::size_t line_begin);
  TomlEntry scan_entry();
  KeyPath scan_key();
  std::string scan_simple_key();
  std::string scan_basic_key();
  void scan_escape(std::string& out);
  TomlValue scan_value();
  void skip_string();
  void skip_array();
  void scan_inline_table(TomlValue& value);
  void skip_scalar();

  std::string_view m_text;
  std::size_t m_pos = 0;
  KeyPath m_table;
};

void
Scanner::expect(char c)
{
  if (peek() != c) {
    fail(std::string("expected '") + c + "'");
  }
  ++m_pos;
}

void
Scanner::skip_spaces()
{
  while (peek() == ' ' || peek() == '\t') {
    ++m_pos;
  }
}

// Inside arrays, values may be spread over lines with comments between them.
void
Scanner::skip_spaces_comments_and_breaks()
{
  while (!at_end()) {
    skip_spaces();
    if (peek() == '#') {
      while (!at_end() && peek() != '\n') {
        ++m_pos;
      }
    } else if (peek() == '\r' || peek() == '\n') {
      ++m_pos;
    } else {
      return;
    }
  }
}

// The rest of a statement's last line: spaces, an optional comment, the line break.
void
Scanner::finish_line()
{
  skip_spaces();
  if (peek() == '#') {
    while (!at_end() && peek() != '\r' && peek() != '\n') {
      ++m_pos;
    }
  }
  if (looking_at("\r\n")) {
    m_pos += 2;
  } else if (peek() == '\n') {
    ++m_pos;
  } else if (!at_end()) {
    fail("expected the end of the line");
  }
}

TomlLayout
Scanner::run()
{
  TomlLayout layout;
  if (looking_at("\xEF\xBB\xBF")) {
    m_pos = 3;
    layout.body_begin = 3;
  }
  while (!at_end()) {
    const std::size_t line_begin = m_pos;
    skip_spaces();
    const char c = peek();
    if (c == '\0' || c == '\r' || c == '\n' || c == '#') {
      finish_line();
      const auto kind = c == '#' ? TomlStatementKind::comment : TomlStatementKind::blank;
      layout.statements.push_back({kind, {line_begin, m_pos}, m_table, {}});
    } else if (c == '[') {
      layout.statements.push_back(scan_header(line_begin));
    } else {
      layout.statements.push_back(scan_entry_statement(line_begin));
    }
  }
  return layout;
}

TomlStatement
Scanner::scan_header(std::size_t line_begin)
{
  const bool array = looking_at("[[");
  m_pos += array ? 2 : 1;
  m_table = scan_key();
  skip_spaces();
  expect(']');
  if (array) {
    expect(']');
  }
  finish_line();
  const auto kind = array ? TomlStatementKind::array_table : TomlStatementKind::table;
  return {kind, {line_begin, m_pos}, m_table, {}};
}

TomlStatement
Scanner::scan_entry_statement(std::size_t line_begin)
{
  TomlEntry entry = scan_entry();
  finish_line();
  return {TomlStatementKind::entry, {line_begin, m_pos}, m_table, std::move(entry)};
}

TomlEntry
Scanner::scan_entry()
{
  TomlEntry entry;
  entry.begin = m_pos;
  entry.key = scan_key();
  skip_spaces();
  expect('=');
  skip_spaces();
  entry.value = scan_value();
  return entry;
}

// A dotted key; whitespace around the dots is allowed.
KeyPath
Scanner::scan_key()
{
  KeyPath key;
  while (true) {
    skip_spaces();
    key.push_back(scan_simple_key());
    skip_spaces();
    if (peek() != '.') {
      return key;
    }
    ++m_pos;
  }
}

std::string
Scanner::scan_simple_key()
{
  if (peek() == '"') {
    return scan_basic_key();
  }
  if (peek() == '\'') {
    const std::size_t close = m_text.find('\'', m_pos + 1);
    if (close == std::string_view::npos) {
      fail("unterminated literal key");
    }
    std::string key(m_text.substr(m_pos + 1, close - m_pos - 1));
    m_pos = close + 1;
    return key;
  }
  const std::size_t begin = m_pos;
  while (is_bare_key_char(peek())) {
    ++m_pos;
  }
  if (m_pos == begin) {
    fail("expected a key");
  }
  return std::string(m_text.substr(begin, m_pos - begin));
}

std::string
Scanner::scan_basic_key()
{
  std::string key;
  ++m_pos;
  while (!at_end() && peek() != '"') {
    if (peek() == '\\') {
      scan_escape(key);
    } else {
      key += peek();
      ++m_pos;
    }
  }
  expect('"');
  return key;
}

void
Scanner::scan_escape(std::string& out)
{
  static constexpr std::string_view k_escapes = "btnfre\"\\";
  static constexpr std::string_view k_meanings = "\b\t\n\f\r\x1B\"\\";
  const char kind = peek(1);
  m_pos += 2;
  if (const auto known = k_escapes.find(kind); known != std::string_view::npos) {
    out += k_meanings[known];
    return;
  }
  if (kind != 'u' && kind != 'U') {
    fail("unknown escape");
  }
  const std::size_t digits = kind == 'u' ? 4 : 8;
  if (m_pos + digits > m_text.size()) {
    fail("short unicode escape");
  }
  const std::string hex(m_text.substr(m_pos, digits));
  m_pos += digits;
  append_utf8(out, std::stoul(hex, nullptr, 16));
}

TomlValue
Scanner::scan_value()
{
  TomlValue value;
  value.span.begin = m_pos;
  const char c = peek();
  if (c == '"' || c == '\'') {
    skip_string();
  } else if (c == '[') {
    skip_array();
  } else if (c == '{') {
    scan_inline_table(value);
  } else {
    skip_scalar();
  }
  value.span.end = m_pos;
  return value;
}

// Any of the four string forms. A multi-line string may end with up to two extra quotes
// ("""a""""" holds a""), so the closing delimiter is the last of a run of quotes.
void
Scanner::skip_string()
{
  const char quote = peek();
  const std::string delimiter(3, quote);
  if (looking_at(delimiter)) {
    m_pos += 3;
    while (!at_end() && !looking_at(delimiter)) {
      m_pos += (quote == '"' && peek() == '\\') ? 2u : 1u;
    }
    if (at_end()) {
      fail("unterminated multi-line string");
    }
    m_pos += 3;
    for (int extra = 0; extra < 2 && peek() == quote; ++extra) {
      ++m_pos;
    }
    return;
  }
  ++m_pos;
  while (!at_end() && peek() != quote && peek() != '\n') {
    m_pos += (quote == '"' && peek() == '\\') ? 2u : 1u;
  }
  expect(quote);
}

void
Scanner::skip_array()
{
  ++m_pos;
  while (true) {
    skip_spaces_comments_and_breaks();
    if (peek() == ']') {
      ++m_pos;
      return;
    }
    scan_value();
    skip_spaces_comments_and_breaks();
    if (peek() == ',') {
      ++m_pos;
    } else if (peek() != ']') {
      fail("expected ',' or ']'");
    }
  }
}

void
Scanner::scan_inline_table(TomlValue& value)
{
  value.inline_table = true;
  ++m_pos;
  while (true) {
    skip_spaces_comments_and_breaks();
    if (peek() == '}') {
      ++m_pos;
      return;
    }
    value.members.push_back(scan_entry());
    skip_spaces_comments_and_breaks();
    if (peek() == ',') {
      ++m_pos;
    } else if (peek() != '}') {
      fail("expected ',' or '}'");
    }
  }
}

// Numbers, booleans, dates and times. A date followed by a space and a digit is a
// date-time written with a space instead of 'T' (1979-05-27 07:32:00Z).
void
Scanner::skip_scalar()
{
  const auto token_end = [this] {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}'
          || c == '#') {
        return;
      }
      ++m_pos;
    }
  };
  const std::size_t begin = m_pos;
  token_end();
  const std::string_view token = m_text.substr(begin, m_pos - begin);
  const bool is_date = token.size() == 10 && token[4] == '-' && token[7] == '-';
  if (is_date && peek() == ' ' && is_digit(peek(1))) {
    ++m_pos;
    token_end();
  }
  if (m_pos == begin) {
    fail("expected a value");
  }
}

} // namespace

util::Expected<TomlLayout, ParseError>
scan_toml_layout(std::string_view text)
{
  try {
    return Scanner(text).run();
  } catch (const ScanFailure& failure) {
    // Lines and columns as toml++ counts them: from 1, columns in code points.
    int line = 1;
    int column = 1;
    for (std::size_t i = 0; i < failure.offset && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return util::unexpected(
      ParseError{line, column, "aigw-setup cannot follow this TOML here: " + failure.what});
  }
}

} // namespace aigw::config
