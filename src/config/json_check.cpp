// SPDX-License-Identifier: MIT
// nlohmann reports a failure as a byte count and a long sentence ("[json.exception...]
// syntax error while parsing object key - unexpected '}'; expected string literal"). The
// sentence names the context and the lexer's complaint, and the scanner finds the token
// that failed, so together they give "expected a key, found '}'" at that token. A
// duplicate key stops the pass at once; the scanner then finds that key by counting keys.
#include "config/json_check.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "config/json_scan.hpp"

namespace aigw::config {

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

enum class Stop { none, syntax, duplicate_key, not_object };

// What the SAX pass found, with just enough to place the error.
struct Verdict
{
  Stop stop = Stop::none;
  std::size_t position = 0;  // bytes nlohmann had read when it failed
  std::string what;          // nlohmann's whole message
  std::size_t key_count = 0; // keys read so far; the last one is the duplicate
  std::string duplicate;
};

// nlohmann's SAX interface; values are not kept, only the keys of open objects.
class Validator
{
public:
  bool null() { return scalar(); }
  bool boolean(bool) { return scalar(); }
  bool number_integer(nlohmann::json::number_integer_t) { return scalar(); }
  bool number_unsigned(nlohmann::json::number_unsigned_t) { return scalar(); }
  bool number_float(nlohmann::json::number_float_t, const std::string&) { return scalar(); }
  bool string(std::string&) { return scalar(); }
  bool binary(nlohmann::json::binary_t&) { return scalar(); }
  bool start_object(std::size_t) { return open(true); }
  bool start_array(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  // JSON.parse keeps the last of two equal keys, so the file would not mean what it shows.
  bool key(std::string& key)
  {
    ++m_verdict.key_count;
    if (!m_keys.back().insert(key).second) {
      m_verdict.stop = Stop::duplicate_key;
      m_verdict.duplicate = key;
      return false;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception& e)
  {
    m_verdict.stop = Stop::syntax;
    m_verdict.position = position;
    m_verdict.what = e.what();
    return false;
  }

  const Verdict& verdict() const { return m_verdict; }

private:
  bool scalar() { return m_keys.empty() ? refuse_top_level() : true; }

  bool open(bool object)
  {
    if (m_keys.empty() && !object) {
      return refuse_top_level();
    }
    m_keys.emplace_back();
    return true;
  }

  bool close()
  {
    m_keys.pop_back();
    return true;
  }

  bool refuse_top_level()
  {
    m_verdict.stop = Stop::not_object;
    return false;
  }

  // The keys seen in each open container; arrays hold an empty set.
  std::vector<std::unordered_set<std::string>> m_keys;
  Verdict m_verdict;
};

ParseError
error_at(const JsonScanner& scanner, std::size_t offset, std::string message)
{
  const std::string_view text = scanner.text();
  offset = std::min(offset, text.size());
  const std::size_t start = scanner.line_start(offset);
  const std::string_view before = text.substr(0, start);
  const auto newlines = std::count(before.begin(), before.end(), '\n');

  // Columns count characters, not bytes: a UTF-8 continuation byte starts none.
  int column = 1;
  for (std::size_t i = start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return ParseError{static_cast<int>(newlines) + 1, column, std::move(message)};
}

// Key number `wanted` (from 1) in document order: a string right after '{', or after a
// ',' inside an object.
std::size_t
nth_key(const JsonScanner& scanner, std::size_t wanted)
{
  std::vector<bool> in_object;
  bool key_next = false;
  std::size_t count = 0;
  for (std::size_t pos = scanner.skip_space(0); pos < scanner.text().size();
       pos = scanner.skip_space(pos)) {
    const char c = scanner.at(pos);
    if (c == '"') {
      if (key_next && ++count == wanted) {
        return pos;
      }
      key_next = false;
      pos = scanner.skip_string(pos);
      continue;
    }
    if (c == '{' || c == '[') {
      in_object.push_back(c == '{');
    } else if ((c == '}' || c == ']') && !in_object.empty()) {
      in_object.pop_back();
    }
    key_next = c == '{' || (c == ',' && !in_object.empty() && in_object.back());
    ++pos;
  }
  return 0;
}

std::string
describe_token(const JsonScanner& scanner, std::size_t pos)
{
  const char c = scanner.at(pos);
  if (pos >= scanner.text().size()) {
    return "the end of the file";
  }
  if (c == '"') {
    return "a string";
  }
  if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') {
    std::array<char, 8> code{};
    std::snprintf(code.data(), code.size(), "U+%04X", static_cast<unsigned>(c));
    return "control character " + std::string(code.data());
  }
  if ((c >= '0' && c <= '9') || c == '-') {
    return "a number";
  }
  const std::string_view token = scanner.text().substr(pos, scanner.token_end(pos) - pos);
  return "'" + std::string(token.substr(0, 24)) + (token.size() > 24 ? "...'" : "'");
}

// Where a bad word starts. nlohmann stops a literal at the first byte that breaks it
// (`tru}`, `nul,`), so a matched start of true/false/null just before `at` is the culprit.
std::size_t
literal_start(const JsonScanner& scanner, std::size_t at)
{
  if (!JsonScanner::is_word(scanner.at(at))) {
    for (std::size_t length = std::min<std::size_t>(at, 4); length > 0; --length) {
      const std::string_view word = scanner.text().substr(at - length, length);
      for (const std::string_view literal : {"true", "false", "null"}) {
        if (literal.substr(0, length) == word) {
          return at - length;
        }
      }
    }
  }
  return scanner.token_start(at);
}

// What nlohmann wanted, from the context it names ("while parsing object key - ...").
std::string
expected_text(std::string_view what)
{
  const std::size_t from = what.find("while parsing ");
  const std::size_t to = what.find(" - ");
  const std::string_view context =
    from == k_json_none || to == k_json_none ? "" : what.substr(from + 14, to - from - 14);
  if (what.find("; expected end of input") != k_json_none) {
    return "the end of the file";
  }
  if (context == "object key") {
    return "a key";
  }
  if (context == "object separator") {
    return "':'";
  }
  if (context == "object") {
    return "',' or '}'";
  }
  if (context == "array") {
    return "',' or ']'";
  }
  return "a value";
}

// The lexer's complaints about a string, pointing at the string or at the bad byte.
std::optional<ParseError>
describe_string_error(const JsonScanner& scanner, std::string_view message, std::size_t at)
{
  const std::string_view text = scanner.text();
  const auto has = [&](std::string_view part) { return message.find(part) != k_json_none; };

  // A line break before the closing quote is a missing quote far more often than a wish
  // for a multi-line string.
  if (has("missing closing quote") || has("U+000A") || has("U+000D")) {
    const std::size_t inside = at == text.size() && at > 0 ? at - 1 : at;
    return error_at(scanner, scanner.token_start(inside), "unterminated string");
  }
  if (has("control character")) {
    const std::string code(message.substr(message.find("control character ") + 18, 6));
    return error_at(scanner, at, "control character " + code + " in a string must be escaped");
  }
  if (has("forbidden character after backslash")) {
    return error_at(scanner, at - 1, "invalid escape in a string");
  }
  if (has("'\\u'") || has("surrogate")) {
    return error_at(scanner, text.rfind('\\', at), "invalid \\u escape in a string");
  }
  if (has("ill-formed UTF-8")) {
    return error_at(scanner, at, "invalid UTF-8 in a string");
  }
  return std::nullopt;
}

// nlohmann's lexer messages ("invalid literal; last read: 'tru'") made short.
ParseError
describe_lexer_error(const JsonScanner& scanner, std::string_view what, std::size_t at)
{
  // Only the lexer's words count, not the bytes it quotes after "; last read".
  const std::string_view message = what.substr(0, what.find("; last read"));
  if (auto error = describe_string_error(scanner, message, at)) {
    return std::move(*error);
  }

  const auto has = [&](std::string_view part) { return message.find(part) != k_json_none; };
  const std::size_t inside = at == scanner.text().size() && at > 0 ? at - 1 : at;
  if (has("missing closing '*/'")) {
    return error_at(scanner, scanner.token_start(inside), "unterminated block comment");
  }
  if (has("expecting '/' or '*'")) {
    return error_at(scanner, at - 1, "expected '//' or '/*' after '/'");
  }
  if (has("invalid number")) {
    return error_at(scanner, scanner.token_start(at - 1), "invalid number");
  }
  if (has("invalid BOM")) {
    return error_at(scanner, 0, "invalid byte order mark");
  }

  const std::size_t start = literal_start(scanner, inside);
  if (scanner.at(start) == '\'') {
    return error_at(scanner, start, "single quotes are not allowed, use double quotes");
  }
  if (scanner.at(start) == '/') {
    return error_at(scanner, start, "comments are not allowed in strict JSON");
  }
  return error_at(scanner,
                  start,
                  "expected " + expected_text(what) + ", found " + describe_token(scanner, start));
}

ParseError
describe_syntax_error(const JsonScanner& scanner, const Verdict& verdict)
{
  // nlohmann counts the bytes read, the failing one included.
  const std::size_t at = std::min(std::max<std::size_t>(verdict.position, 1) - 1,
                                  scanner.text().size());
  const std::string_view what = verdict.what;
  const std::string_view detail = what.substr(std::min(what.find(" - ") + 3, what.size()));
  if (detail.rfind("unexpected ", 0) != 0) {
    return describe_lexer_error(scanner, what, at);
  }

  const std::size_t start = scanner.token_start(at);
  return error_at(scanner,
                  start,
                  "expected " + expected_text(what) + ", found " + describe_token(scanner, start));
}

} // namespace

std::optional<ParseError>
check_json(std::string_view text, bool allow_comments)
{
  const JsonScanner scanner(text, allow_comments);

  // Node's JSON.parse rejects a BOM, where nlohmann would skip it.
  if (text.substr(0, 3) == k_bom) {
    return error_at(scanner, 0, "a byte order mark (BOM) is not allowed");
  }

  Validator validator;
  nlohmann::json::sax_parse(text.begin(),
                            text.end(),
                            &validator,
                            nlohmann::json::input_format_t::json,
                            true,
                            allow_comments);
  const Verdict& verdict = validator.verdict();
  switch (verdict.stop) {
  case Stop::syntax:
    return describe_syntax_error(scanner, verdict);
  case Stop::duplicate_key:
    return error_at(scanner,
                    nth_key(scanner, verdict.key_count),
                    "duplicate key " + Json(verdict.duplicate).dump());
  case Stop::not_object:
    return error_at(scanner, scanner.skip_space(0), "the top level must be an object");
  case Stop::none:
    break;
  }

  // nlohmann takes a NUL byte for the end of the text; JSON.parse does not.
  if (const std::size_t nul = text.find('\0'); nul != k_json_none) {
    return error_at(scanner, nul, "unexpected NUL byte");
  }
  return std::nullopt;
}

} // namespace aigw::config
