// SPDX-License-Identifier: MIT
// The dotenv editor, for the dialect of npm dotenv 17.1.0 parse() that Gemini CLI reads.
// dotenv runs one multi-line regex over the text (docs/agents.md section 5) and silently
// skips whatever it does not match, so a typo never fails: it drops or changes a value.
// This parser walks the text line by line and accepts only lines the regex reads the way
// they look; anything else is a ParseError. "Space" below means JavaScript's `\s` minus line
// breaks, because that is what the regex and String.trim() skip. Each entry records where
// its value is written, so set() splices that span alone and remove() drops whole lines;
// every other byte, a BOM included, stays as it was.
#include <algorithm>
#include <string_view>
#include <utility>

#include "config/document.hpp"
#include "util/strings.hpp"

namespace aigw::config {

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";
constexpr std::size_t k_npos = std::string_view::npos;

// What a value may hold to be written bare: nothing dotenv would trim, cut at `#` or take
// for a quote, and nothing a reader could take for shell syntax.
constexpr std::string_view k_bare_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_./:@+,=-";

enum class Quote : char { none = 0, single = '\'', double_quote = '"', backtick = '`' };

// One KEY=value line, or several when a quoted value spans lines.
struct Entry
{
  std::string key;
  std::string value; // what dotenv reads
  Quote quote = Quote::none;
  bool exported = false;       // `export ` precedes the key
  std::size_t begin = 0;       // first byte of the first line
  std::size_t end = 0;         // past the last line's line break, or the end of the text
  std::size_t value_begin = 0; // the value as written, quotes included
  std::size_t value_end = 0;
  int first_line = 0;
  int last_line = 0;
};

bool
is_key_char(char c)
{
  const auto u = static_cast<unsigned char>(c);
  const bool letter = (u | 0x20) >= 'a' && (u | 0x20) <= 'z';
  return letter || (u >= '0' && u <= '9') || c == '_' || c == '.' || c == '-';
}

bool
is_valid_key(std::string_view key)
{
  // dotenv assigns obj["__proto__"], which sets no property: the key would vanish.
  return !key.empty() && key != "__proto__" && std::all_of(key.begin(), key.end(), is_key_char);
}

bool
is_break_at(std::string_view text, std::size_t i)
{
  // A CR followed by LF is one break, counted at the LF.
  return text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'));
}

std::string
quote_name(char quote)
{
  return quote == '\'' ? "single quote" : quote == '"' ? "double quote" : "backtick";
}

// The byte length of the space character at `pos`, or 0.
std::size_t
space_length(std::string_view text, std::size_t pos)
{
  static constexpr std::string_view k_wide[] = {
    "\xC2\xA0", "\xEF\xBB\xBF", "\xE1\x9A\x80", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
  // Look at the first bytes only: scanning the rest of the text here made a line quadratic.
  const std::string_view rest = text.substr(std::min(pos, text.size()));
  if (rest.empty()) {
    return 0;
  }
  if (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\v' || rest[0] == '\f') {
    return 1;
  }
  for (const std::string_view wide : k_wide) {
    if (rest.starts_with(wide)) {
      return wide.size();
    }
  }
  // U+2000 to U+200A, the typographic spaces.
  const bool typographic = rest.size() >= 3 && rest.starts_with("\xE2\x80")
                           && static_cast<unsigned char>(rest[2]) <= 0x8A;
  return typographic ? 3 : 0;
}

// The offset of the first byte that is not well-formed UTF-8, or k_npos.
std::size_t
invalid_utf8_at(std::string_view text)
{
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    // The second byte's range rules out overlong forms, surrogates and values > U+10FFFF.
    const unsigned low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    const unsigned high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    if (length > 1 && (lead < 0xC2 || lead > 0xF4 || i + length > text.size())) {
      return i;
    }
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) {
        return i;
      }
    }
    i += length;
  }
  return k_npos;
}

// What dotenv makes of the text between two quotes: line breaks become LF, and double
// quotes expand \n and \r, nothing else (`\\` is refused, so one pass matches dotenv's two).
std::string
quoted_value(std::string_view content, Quote quote)
{
  std::string out;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const char next = i + 1 < content.size() ? content[i + 1] : '\0';
    if (content[i] == '\r') {
      out += '\n';
      i += next == '\n' ? 1U : 0U;
    } else if (quote == Quote::double_quote && content[i] == '\\' && (next == 'n' || next == 'r')) {
      out += next == 'n' ? '\n' : '\r';
      ++i;
    } else {
      out += content[i];
    }
  }
  return out;
}

class Parser
{
public:
  explicit Parser(std::string_view text) : m_text(text) {}

  util::Expected<std::vector<Entry>, ParseError> run()
  {
    if (auto bad = check_bytes()) {
      return util::unexpected(std::move(*bad));
    }

    std::vector<Entry> entries;
    std::size_t pos = m_text.starts_with(k_bom) ? k_bom.size() : 0;
    while (pos < m_text.size()) {
      const std::size_t first = skip_spaces(pos);
      if (at_line_end(first) || m_text[first] == '#') {
        pos = after_break(line_end(first));
        continue;
      }
      auto parsed = entry(pos, first);
      if (!parsed) {
        return util::unexpected(std::move(parsed).error());
      }
      pos = parsed->end;
      entries.push_back(std::move(*parsed));
    }
    return entries;
  }

private:
  using Offset = util::Expected<std::size_t, ParseError>;

  int line_of(std::size_t offset) const
  {
    int line = 1;
    for (std::size_t i = 0; i < offset; ++i) {
      line += is_break_at(m_text, i) ? 1 : 0;
    }
    return line;
  }

  // line_of() for offsets that only grow, entry after entry: counts each byte once.
  int line_at(std::size_t offset)
  {
    for (; m_counted < offset; ++m_counted) {
      m_line += is_break_at(m_text, m_counted) ? 1 : 0;
    }
    return m_line;
  }

  util::Unexpected<ParseError> fail(std::size_t offset, std::string message) const
  {
    std::size_t line_start = m_text.starts_with(k_bom) ? k_bom.size() : 0;
    for (std::size_t i = 0; i < offset; ++i) {
      line_start = is_break_at(m_text, i) ? i + 1 : line_start;
    }
    // Columns count characters, not bytes: UTF-8 continuation bytes are skipped.
    int column = 1;
    for (std::size_t i = line_start; i < offset; ++i) {
      column += (static_cast<unsigned char>(m_text[i]) & 0xC0) != 0x80 ? 1 : 0;
    }
    return util::unexpected(ParseError{line_of(offset), column, std::move(message)});
  }

  bool at_line_end(std::size_t pos) const
  {
    return pos >= m_text.size() || m_text[pos] == '\n' || m_text[pos] == '\r';
  }

  std::size_t skip_spaces(std::size_t pos) const
  {
    while (const std::size_t length = space_length(m_text, pos)) {
      pos += length;
    }
    return pos;
  }

  std::size_t line_end(std::size_t pos) const
  {
    return std::min(m_text.find_first_of("\r\n", pos), m_text.size());
  }

  std::size_t after_break(std::size_t pos) const
  {
    return pos >= m_text.size() ? pos : pos + (m_text.compare(pos, 2, "\r\n") == 0 ? 2 : 1);
  }

  // Bytes that change the reading wherever they are.
  std::optional<ParseError> check_bytes() const
  {
    if (const std::size_t nul = m_text.find('\0'); nul != k_npos) {
      return fail(nul, "a NUL byte: not a text file").error;
    }
    // Node decodes malformed UTF-8 as U+FFFD: the value read would not be the bytes on disk.
    if (const std::size_t bad = invalid_utf8_at(m_text); bad != k_npos) {
      return fail(bad, "not valid UTF-8: dotenv would read U+FFFD here").error;
    }
    // The regex's ^ matches after U+2028/U+2029, so a comment could hide a key behind one.
    for (const std::string_view separator : {"\xE2\x80\xA8", "\xE2\x80\xA9"}) {
      if (const std::size_t at = m_text.find(separator); at != k_npos) {
        return fail(at, "a U+2028/U+2029 line separator: dotenv starts a line there").error;
      }
    }
    return std::nullopt;
  }

  util::Expected<Entry, ParseError> entry(std::size_t begin, std::size_t pos)
  {
    Entry parsed;
    parsed.begin = begin;
    const Offset value = key_and_separator(parsed, pos);
    if (!value) {
      return util::unexpected(value.error());
    }

    const char mark = *value < m_text.size() ? m_text[*value] : '\0';
    const bool is_quoted = mark == '\'' || mark == '"' || mark == '`';
    const Offset last_break = is_quoted ? quoted(parsed, *value) : unquoted(parsed, *value);
    if (!last_break) {
      return util::unexpected(last_break.error());
    }

    parsed.end = after_break(*last_break);
    parsed.first_line = line_at(begin);
    parsed.last_line = line_at(*last_break);
    return parsed;
  }

  // `export KEY=`, `KEY =` or `KEY: `; returns where the value starts.
  Offset key_and_separator(Entry& parsed, std::size_t pos) const
  {
    // `export` is the key itself unless spaces and a key follow (`export=1` sets "export").
    const std::size_t after_export = skip_spaces(pos + 6);
    if (m_text.compare(pos, 6, "export") == 0 && after_export > pos + 6
        && after_export < m_text.size() && is_key_char(m_text[after_export])) {
      parsed.exported = true;
      pos = after_export;
    }

    std::size_t key_end = pos;
    while (key_end < m_text.size() && is_key_char(m_text[key_end])) {
      ++key_end;
    }
    if (key_end == pos) {
      return fail(pos, "expected KEY=value, a comment or a blank line: dotenv skips this line");
    }
    parsed.key = std::string(m_text.substr(pos, key_end - pos));
    if (!is_valid_key(parsed.key)) {
      return fail(pos, "the key \"__proto__\" is dropped by dotenv");
    }

    const std::size_t separator = skip_spaces(key_end);
    const char mark = separator < m_text.size() ? m_text[separator] : '\0';
    // `KEY:` takes no space before the colon and needs one after it on the same line; at a
    // line break dotenv would read the next line as the value.
    const bool colon = mark == ':' && separator == key_end;
    if (colon && space_length(m_text, separator + 1) == 0) {
      return fail(separator + 1, "expected a space after ':': dotenv skips this line");
    }
    if (mark != '=' && !colon) {
      return fail(separator, "expected '=' after the key \"" + parsed.key
                               + "\": dotenv skips this line");
    }
    return skip_spaces(separator + 1);
  }

  // A bare value runs to the end of the line or the first `#`, trimmed; returns the offset
  // of the line break (or the end of the text).
  Offset unquoted(Entry& parsed, std::size_t pos) const
  {
    // dotenv cuts at any `#`, so one glued to the value (`A=b#c`, `A=#c`) would silently
    // drop what a reader takes for part of the value. The colon form always has a space.
    bool after_space = m_text[pos - 1] != '=';
    std::size_t end = pos;
    std::size_t i = pos;
    while (!at_line_end(i) && m_text[i] != '#') {
      const std::size_t space = space_length(m_text, i);
      after_space = space > 0;
      i += after_space ? space : 1;
      end = after_space ? end : i;
    }
    if (!at_line_end(i) && !after_space) {
      return fail(i, "a '#' with no space before it starts a comment: dotenv cuts the value "
                     "there; quote the value");
    }

    parsed.value_begin = pos;
    parsed.value_end = end;
    parsed.value = std::string(m_text.substr(pos, end - pos));
    return line_end(i);
  }

  // A quoted value ends at the next quote of its kind, possibly lines later; returns the
  // offset of the line break after it (or the end of the text).
  Offset quoted(Entry& parsed, std::size_t pos) const
  {
    const char mark = m_text[pos];
    const std::size_t close = m_text.find(mark, pos + 1);
    if (close == k_npos) {
      return fail(pos, "unterminated " + quote_name(mark)
                         + ": dotenv would keep the quote character in the value");
    }
    // The regex lets `\'` (or `\"`, `` \` ``) skip a quote yet keeps the backslash, so
    // where the value ends would depend on the quotes further down the file.
    if (m_text[close - 1] == '\\') {
      return fail(close - 1, "a backslash before a closing " + quote_name(mark)
                               + ": dotenv keeps the backslash and may end the value later");
    }
    const std::string_view content = m_text.substr(pos + 1, close - pos - 1);
    if (const std::size_t twice = content.find("\\\\"); mark == '"' && twice != k_npos) {
      return fail(pos + 1 + twice, "'\\\\' in double quotes: dotenv keeps both backslashes");
    }

    // Only spaces and a comment may follow; else dotenv reads the line bare, quotes and all.
    const std::size_t after = skip_spaces(close + 1);
    if (!at_line_end(after) && m_text[after] != '#') {
      if (content.find_first_of("\r\n") != k_npos) {
        return fail(pos, "unterminated " + quote_name(mark) + ": the next one, on line "
                           + std::to_string(line_of(close)) + ", has text after it");
      }
      return fail(after, "text after the closing " + quote_name(mark)
                           + ": dotenv would read the quotes as part of the value");
    }

    parsed.quote = static_cast<Quote>(mark);
    parsed.value_begin = pos;
    parsed.value_end = close + 1;
    parsed.value = quoted_value(content, parsed.quote);
    return line_end(after);
  }

  std::string_view m_text;
  std::size_t m_counted = 0; // line_at() has counted the breaks before this offset
  int m_line = 1;
};

// `value` written in `quote`, or nullopt when dotenv would not read it back exactly.
std::optional<std::string>
render_as(const std::string& value, Quote quote)
{
  const char mark = static_cast<char>(quote);
  if (quote == Quote::none) {
    const bool bare = !value.empty() && value.find_first_not_of(k_bare_chars) == k_npos;
    return bare ? std::optional(value) : std::nullopt;
  }
  if (quote != Quote::double_quote) {
    // A backslash before the closing quote is refused by the parser (Parser::quoted).
    const bool unsafe = value.find_first_of(std::string{mark, '\r', '\n'}) != k_npos
                        || (!value.empty() && value.back() == '\\');
    return unsafe ? std::nullopt : std::optional(mark + value + mark);
  }

  // Line breaks become \n and \r; with no `\` in the value, nothing else is expanded.
  if (value.find_first_of("\"\\") != k_npos) {
    return std::nullopt;
  }
  std::string out = "\"";
  for (const char c : value) {
    out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : std::string(1, c);
  }
  return out + "\"";
}

// The existing quote style when the value is safe in it, else the plainest safe one.
std::optional<std::string>
render(const std::string& value, std::optional<Quote> existing)
{
  if (existing) {
    if (auto kept = render_as(value, *existing)) {
      return kept;
    }
  }
  for (const Quote quote : {Quote::none, Quote::single, Quote::backtick, Quote::double_quote}) {
    if (auto written = render_as(value, quote)) {
      return written;
    }
  }
  return std::nullopt;
}

// dotenv values are strings; booleans and numbers are written as their JSON text.
util::Expected<std::string, std::string>
value_text(const std::string& key, const Json& value)
{
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_boolean() || value.is_number()) {
    return value.dump();
  }
  return util::unexpected("cannot write " + std::string(value.type_name()) + " to \"" + key
                          + "\": dotenv values are text");
}

class DotenvDocument final : public Document
{
public:
  DotenvDocument(std::string text, std::vector<Entry> entries)
    : m_text(std::move(text)), m_entries(std::move(entries))
  {
  }

  std::optional<Json> get(const KeyPath& path) const override
  {
    const Entry* entry = path.size() == 1 ? last_entry(path[0]) : nullptr;
    return entry != nullptr ? std::optional<Json>(entry->value) : std::nullopt;
  }

  util::Expected<void, std::string> set(const KeyPath& path, const Json& value) override
  {
    const std::string key = util::join(path, ".");
    if (path.size() != 1 || !is_valid_key(key)) {
      return util::unexpected("cannot set \"" + key
                              + "\": a dotenv key is one name made of A-Z a-z 0-9 _ . -");
    }
    auto wanted = value_text(key, value);
    if (!wanted) {
      return util::unexpected(std::move(wanted).error());
    }

    // Setting the value dotenv already reads leaves the bytes alone.
    const Entry* existing = last_entry(key);
    if (existing != nullptr && existing->value == *wanted) {
      return {};
    }
    const auto written = render(*wanted, existing ? std::optional(existing->quote) : std::nullopt);
    if (!written) {
      return util::unexpected("cannot write \"" + key + "\": no dotenv quoting reads the value "
                              "back exactly (it has ' with ` or a line break, and \" or \\)");
    }
    return commit(key, *wanted, existing ? splice(*existing, *written) : append(key, *written));
  }

  bool remove(const KeyPath& path) override
  {
    std::string candidate = without_entries(path);
    if (candidate.size() == m_text.size()) {
      return false;
    }
    // A last line without a break took none with it: drop the break now ending the text, so
    // the file keeps ending the way it did and set-then-remove gives back the same bytes.
    const std::size_t body = m_text.starts_with(k_bom) ? k_bom.size() : 0;
    const bool now_ends_in_break = candidate.size() > body
                                   && is_break_at(candidate, candidate.size() - 1);
    if (now_ends_in_break && !is_break_at(m_text, m_text.size() - 1)) {
      const bool crlf = candidate.ends_with("\r\n");
      candidate.resize(candidate.size() - (crlf ? 2 : 1));
    }

    // Whole entry lines never leave the other lines unreadable; stay unchanged if they do.
    auto entries = Parser(candidate).run();
    if (entries) {
      m_text = std::move(candidate);
      m_entries = std::move(*entries);
    }
    return entries.has_value();
  }

  bool is_empty_container(const KeyPath&) const override { return false; }

  const std::string& text() const override { return m_text; }

private:
  const Entry* last_entry(const std::string& key) const
  {
    const auto found = std::find_if(m_entries.rbegin(), m_entries.rend(),
                                    [&](const Entry& entry) { return entry.key == key; });
    return found == m_entries.rend() ? nullptr : &*found;
  }

  // The text with every entry for `path` left out, copied in one pass (erasing each in
  // turn would move the rest of the text once per duplicate).
  std::string without_entries(const KeyPath& path) const
  {
    std::string kept;
    kept.reserve(m_text.size());
    std::size_t from = 0;
    for (const Entry& entry : m_entries) {
      if (path.size() == 1 && entry.key == path[0]) {
        kept.append(m_text, from, entry.begin - from);
        from = entry.end;
      }
    }
    return kept.append(m_text, from);
  }

  // Replace the value text of `entry` only: `export`, the spacing around `=` and a trailing
  // comment stay.
  std::string splice(const Entry& entry, const std::string& written) const
  {
    // A comment glued to a closing quote, or right after an empty value, needs a space
    // before it once the value is bare.
    const bool bare = written.find_first_of("'\"`") != 0;
    const bool glued = m_text.compare(entry.value_end, 1, "#") == 0;
    return m_text.substr(0, entry.value_begin) + written + (bare && glued ? " " : "")
           + m_text.substr(entry.value_end);
  }

  // A new key goes on its own line at the end, with the file's first line break.
  std::string append(const std::string& key, const std::string& written) const
  {
    const std::size_t first_break = m_text.find_first_of("\r\n");
    std::string line_break = "\n";
    if (first_break != k_npos && m_text[first_break] == '\r') {
      line_break = m_text.compare(first_break, 2, "\r\n") == 0 ? "\r\n" : "\r";
    }

    const std::string line = key + "=" + written;
    if (m_text.empty() || m_text == k_bom || is_break_at(m_text, m_text.size() - 1)) {
      return m_text + line + line_break;
    }
    // No break after the last line: add one before ours and none after, so that removing
    // the key gives back the original bytes.
    return m_text + line_break + line;
  }

  // Keep `candidate` only if it parses and dotenv reads `wanted` for `key` from it.
  util::Expected<void, std::string> commit(const std::string& key,
                                           const std::string& wanted,
                                           std::string candidate)
  {
    auto entries = Parser(candidate).run();
    if (!entries) {
      return util::unexpected("cannot write \"" + key + "\": the edited file would not parse ("
                              + entries.error().message + ")");
    }
    const auto last = std::find_if(entries->rbegin(), entries->rend(),
                                   [&](const Entry& entry) { return entry.key == key; });
    if (last == entries->rend() || last->value != wanted) {
      return util::unexpected("cannot write \"" + key + "\": dotenv would read another value");
    }

    m_text = std::move(candidate);
    m_entries = std::move(*entries);
    return {};
  }

  std::string m_text;
  std::vector<Entry> m_entries;
};

} // namespace

util::Expected<std::unique_ptr<Document>, ParseError>
parse_dotenv(std::string text)
{
  auto entries = Parser(text).run();
  if (!entries) {
    return util::unexpected(std::move(entries).error());
  }
  return std::unique_ptr<Document>(
    std::make_unique<DotenvDocument>(std::move(text), std::move(*entries)));
}

} // namespace aigw::config
