// SPDX-License-Identifier: MIT
// The JSON and JSON-with-comments editor. check_json() judges the text; the scanner finds
// the byte spans of object members; every edit splices new text into those spans, so
// whatever it does not touch stays byte for byte. New text copies the file's layout:
// indent unit, line ending, spacing after ':' and ',', one-line or multi-line objects. The
// edited text is checked again before it replaces the old one, and it is built once, so an
// edit of a 50 MB file costs a few linear passes and one copy.
#include <cmath>
#include <utility>

#include "config/document.hpp"
#include "config/json_check.hpp"
#include "config/json_scan.hpp"

namespace aigw::config {

namespace {

// Equal values are compared, to keep their spelling, only up to this size.
constexpr std::size_t k_compare_limit = std::size_t{1} << 20;

std::string
dotted(const KeyPath& path, std::size_t count)
{
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out += (i == 0 ? "" : ".") + path[i];
  }
  return Json(out).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// ---------------------------------------------------------------------------- layout

// How the file writes what we add: copied from its first members, else the defaults.
struct Layout
{
  std::string newline = "\n";
  std::string indent = "  ";
  std::string after_colon = " ";
  std::string after_comma = " ";
  bool one_line = false; // `{"a":1,"b":2}`: the first member shares the line of '{'
};

std::optional<std::string>
gap(std::string_view text, std::size_t from, std::size_t to)
{
  const std::string_view between = text.substr(from, to - from);
  if (between.find_first_not_of(" \t") != k_json_none) {
    return std::nullopt;
  }
  return std::string(between);
}

Layout
detect_layout(const JsonScanner& scanner)
{
  Layout layout;
  const std::string_view text = scanner.text();
  if (const std::size_t newline = text.find('\n'); newline > 0 && newline != k_json_none) {
    layout.newline = text[newline - 1] == '\r' ? "\r\n" : "\n";
  }

  const std::size_t root = scanner.skip_space(0);
  JsonMemberReader reader(scanner, root);
  JsonMember first;
  if (root >= text.size() || !reader.next(first)) {
    return layout;
  }
  const auto indent = scanner.line_indent(first.key);
  if (indent && !indent->empty()) {
    layout.indent = std::string(*indent);
  }
  layout.one_line = text.substr(root, first.key - root).find('\n') == k_json_none;
  layout.after_colon = gap(text, first.colon + 1, first.value).value_or(layout.after_colon);
  layout.after_comma = layout.after_colon;

  JsonMember second;
  if (first.comma != k_json_none && reader.next(second)) {
    layout.after_comma = gap(text, first.comma + 1, second.key).value_or(layout.after_comma);
  }
  return layout;
}

// Writes values in the file's layout; containers spread over lines unless `one_line`.
class Renderer
{
public:
  Renderer(const Layout& layout, bool one_line) : m_layout(layout), m_one_line(one_line) {}

  std::string member(const std::string& key, const Json& value, const std::string& indent) const
  {
    std::string out = scalar(Json(key)) + ":" + m_layout.after_colon;
    write(value, indent, out);
    return out;
  }

  void write(const Json& value, const std::string& indent, std::string& out) const
  {
    if (!value.is_structured() || value.empty()) {
      out += scalar(value);
      return;
    }
    const std::string inner = indent + m_layout.indent;
    out += value.is_object() ? '{' : '[';
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it != value.begin()) {
        out += m_one_line ? "," + m_layout.after_comma : ",";
      }
      if (!m_one_line) {
        out += m_layout.newline + inner;
      }
      if (value.is_object()) {
        out += scalar(Json(it.key())) + ":" + m_layout.after_colon;
      }
      write(*it, inner, out);
    }
    if (!m_one_line) {
      out += m_layout.newline + indent;
    }
    out += value.is_object() ? '}' : ']';
  }

private:
  // Strings keep their UTF-8; text that is not UTF-8 throws json::type_error.
  static std::string scalar(const Json& value)
  {
    return value.dump(-1, ' ', false, Json::error_handler_t::strict);
  }

  const Layout& m_layout;
  bool m_one_line;
};

bool
has_non_finite(const Json& value)
{
  if (value.is_number_float()) {
    return !std::isfinite(value.get<double>());
  }
  if (!value.is_structured()) {
    return false;
  }
  for (const auto& item : value) {
    if (has_non_finite(item)) {
      return true;
    }
  }
  return false;
}

std::string
kind_of(char c)
{
  switch (c) {
  case '"':
    return "a string";
  case '[':
    return "an array";
  case 't':
  case 'f':
    return "a boolean";
  case 'n':
    return "null";
  default:
    return "a number";
  }
}

// ---------------------------------------------------------------------------- edits

// Replace `erase` bytes at `pos` with `insert`.
struct Splice
{
  std::size_t pos;
  std::size_t erase;
  std::string insert;
};

// `splices` must be in text order and must not overlap.
std::string
spliced(std::string_view text, const std::vector<Splice>& splices)
{
  std::size_t size = text.size();
  for (const Splice& splice : splices) {
    size += splice.insert.size() - splice.erase;
  }
  std::string out;
  out.reserve(size);
  std::size_t done = 0;
  for (const Splice& splice : splices) {
    out.append(text.substr(done, splice.pos - done));
    out += splice.insert;
    done = splice.pos + splice.erase;
  }
  out.append(text.substr(done));
  return out;
}

class JsonDocument final : public Document
{
public:
  JsonDocument(std::string text, bool allow_comments)
    : m_text(std::move(text)), m_allow_comments(allow_comments),
      m_layout(detect_layout(scanner()))
  {
  }

  std::optional<Json> get(const KeyPath& path) const override;
  util::Expected<void, std::string> set(const KeyPath& path, const Json& value) override;
  bool remove(const KeyPath& path) override;
  bool is_empty_container(const KeyPath& path) const override;
  const std::string& text() const override { return m_text; }

private:
  JsonScanner scanner() const { return JsonScanner(m_text, m_allow_comments); }

  // The root's '{', or nullopt while the text is blank.
  std::optional<std::size_t> root() const
  {
    const std::size_t pos = scanner().skip_space(0);
    return pos < m_text.size() ? std::optional(pos) : std::nullopt;
  }

  std::optional<std::size_t> value_at(const KeyPath& path) const;
  util::Expected<void, std::string> edit(const KeyPath& path, const Json& value);
  std::vector<Splice> replace_value(const JsonMember& member, const Json& value) const;
  std::vector<Splice> insert_member(const JsonWalk& walk, const KeyPath& path,
                                    const Json& value) const;
  std::vector<Splice> insert_on_lines(const JsonWalk& walk, const std::string& key,
                                      const Json& value) const;
  Splice cut_member(const JsonMember& member) const;
  std::vector<Splice> remove_member(const JsonWalk& walk) const;
  util::Expected<void, std::string> commit(const std::vector<Splice>& splices);

  std::string m_text;
  bool m_allow_comments;
  Layout m_layout;
};

std::optional<std::size_t>
JsonDocument::value_at(const KeyPath& path) const
{
  const auto start = root();
  if (!start || path.empty()) {
    return start;
  }
  const JsonWalk found = scanner().walk(*start, path);
  if (found.found < path.size()) {
    return std::nullopt;
  }
  return found.lookup.member->value;
}

std::optional<Json>
JsonDocument::get(const KeyPath& path) const
{
  const auto pos = value_at(path);
  if (!pos) {
    return path.empty() ? std::optional(Json::object()) : std::nullopt;
  }
  const std::string_view text(m_text);
  const std::size_t end = scanner().skip_value(*pos);
  return Json::parse(text.begin() + static_cast<std::ptrdiff_t>(*pos),
                     text.begin() + static_cast<std::ptrdiff_t>(end),
                     nullptr,
                     true,
                     m_allow_comments);
}

bool
JsonDocument::is_empty_container(const KeyPath& path) const
{
  const auto pos = value_at(path);
  if (!pos) {
    return path.empty();
  }
  const JsonScanner scan = scanner();
  return scan.at(*pos) == '{' && scan.at(scan.skip_space(*pos + 1)) == '}';
}

util::Expected<void, std::string>
JsonDocument::set(const KeyPath& path, const Json& value)
{
  if (path.empty()) {
    return util::unexpected(std::string("cannot set the whole document, only keys in it"));
  }
  if (has_non_finite(value)) {
    return util::unexpected("cannot set " + dotted(path, path.size())
                            + ": NaN and infinity cannot be written in JSON");
  }

  // A blank file becomes `{}` for the edit, and blank again if the edit fails.
  std::optional<std::string> blank;
  if (!root()) {
    blank = std::exchange(m_text, "{}" + m_layout.newline);
  }
  auto outcome = edit(path, value);
  if (!outcome && blank) {
    m_text = std::move(*blank);
  }
  return outcome;
}

util::Expected<void, std::string>
JsonDocument::edit(const KeyPath& path, const Json& value)
{
  const std::string name = dotted(path, path.size());
  const JsonWalk found = scanner().walk(*root(), path);
  if (found.blocked) {
    return util::unexpected("cannot set " + name + ": " + dotted(path, found.found) + " is "
                            + kind_of(m_text[found.parent]) + ", not an object");
  }

  try {
    if (found.found == path.size()) {
      return commit(replace_value(*found.lookup.member, value));
    }
    return commit(insert_member(found, path, value));
  } catch (const nlohmann::json::type_error&) {
    return util::unexpected("cannot set " + name + ": the key or value is not valid UTF-8");
  }
}

std::vector<Splice>
JsonDocument::replace_value(const JsonMember& member, const Json& value) const
{
  // An equal value keeps its spelling (`1.0` for 1, `{ }` for {}), so no diff appears.
  const std::size_t length = member.value_end - member.value;
  if (length <= k_compare_limit) {
    const auto old = std::string_view(m_text).substr(member.value, length);
    if (Json::parse(old.begin(), old.end(), nullptr, true, m_allow_comments) == value) {
      return {};
    }
  }

  const JsonScanner scan = scanner();
  const bool one_line = !scan.line_indent(member.key);
  std::string out;
  Renderer(m_layout, one_line).write(value, scan.leading_indent(member.key), out);
  return {Splice{member.value, length, std::move(out)}};
}

std::vector<Splice>
JsonDocument::insert_member(const JsonWalk& walk, const KeyPath& path, const Json& value) const
{
  // Missing parents arrive as one nested value under the first missing key.
  Json nested = value;
  for (std::size_t i = path.size() - 1; i > walk.found; --i) {
    nested = Json::object({{path[i], std::move(nested)}});
  }
  const std::string& key = path[walk.found];

  // One-line objects (`{"a":1}`) get one-line members; so does an empty object in a
  // one-line file.
  const JsonScanner scan = scanner();
  const std::optional<JsonMember>& last = walk.lookup.previous;
  if (last ? scan.line_indent(last->key).has_value() : !m_layout.one_line) {
    return insert_on_lines(walk, key, nested);
  }
  const std::string member = Renderer(m_layout, true).member(key, nested, "");
  if (last) {
    return {Splice{last->value_end, 0, "," + m_layout.after_comma + member}};
  }
  const std::size_t open = walk.parent;
  const std::size_t close = walk.lookup.close;
  const bool blank = JsonScanner::blank(scan.text().substr(open + 1, close - open - 1));
  return {Splice{open + 1, blank ? close - open - 1 : 0, member}};
}

std::vector<Splice>
JsonDocument::insert_on_lines(const JsonWalk& walk, const std::string& key,
                              const Json& value) const
{
  const JsonScanner scan = scanner();
  const std::optional<JsonMember>& last = walk.lookup.previous;
  const std::size_t open = walk.parent;
  const std::size_t close = walk.lookup.close;
  const std::string outer = scan.leading_indent(open);
  const std::string indent =
    last ? std::string(*scan.line_indent(last->key)) : outer + m_layout.indent;
  const std::string member = Renderer(m_layout, false).member(key, value, indent);
  const std::string& newline = m_layout.newline;

  const std::size_t anchor = last ? last->value_end : open + 1;
  if (!last && JsonScanner::blank(scan.text().substr(anchor, close - anchor))) {
    return {Splice{anchor, close - anchor, newline + indent + member + newline + outer}};
  }
  const std::string comma = last ? "," : "";
  if (scan.line_indent(close)) {
    // '}' has a line of its own: the member goes on a new line just above it, after the
    // comments that may end the object.
    return {Splice{anchor, 0, comma},
            Splice{scan.line_start(close), 0, indent + member + newline}};
  }
  if (!last) {
    // `{ /* note */ }`: the comment stays on the line of '{', and '}' gets its own line.
    const std::size_t end = scan.text().find_last_not_of(" \t", close - 1) + 1;
    return {Splice{end, close - end, newline + indent + member + newline + outer}};
  }
  return {Splice{anchor, 0, comma + newline + indent + member}};
}

bool
JsonDocument::remove(const KeyPath& path)
{
  const auto start = root();
  if (!start || path.empty()) {
    return false;
  }
  const JsonWalk found = scanner().walk(*start, path);
  if (found.found < path.size()) {
    return false;
  }
  return commit(remove_member(found)).has_value();
}

// The bytes that go with `member`: its whole lines when it has lines of its own (only its
// comma and comments follow it there), else the member and the comma and spaces after it.
Splice
JsonDocument::cut_member(const JsonMember& member) const
{
  const JsonScanner scan = scanner();
  const bool last = member.comma == k_json_none;
  std::size_t tail = last ? member.value_end : member.comma + 1;
  while (true) {
    tail = std::min(m_text.find_first_not_of(" \t", tail), m_text.size());
    const std::size_t end = scan.comment_at(tail) ? scan.skip_comment(tail) : tail;
    if (end == tail || m_text.find('\n', tail) < end) {
      break;
    }
    tail = end;
  }

  const bool line_ends =
    scan.at(tail) == '\n' || tail == m_text.size() || m_text.compare(tail, 2, "\r\n") == 0;
  if (scan.line_indent(member.key) && line_ends) {
    const std::size_t start = scan.line_start(member.key);
    return {start, std::min(m_text.find('\n', tail), m_text.size() - 1) + 1 - start, ""};
  }
  if (!last) {
    return {member.key, m_text.find_first_not_of(" \t", member.comma + 1) - member.key, ""};
  }
  const std::size_t start = m_text.find_last_not_of(" \t", member.key - 1) + 1;
  return {start, member.value_end - start, ""};
}

std::vector<Splice>
JsonDocument::remove_member(const JsonWalk& walk) const
{
  const JsonMember& member = *walk.lookup.member;
  const std::optional<JsonMember>& previous = walk.lookup.previous;
  const Splice cut = cut_member(member);
  if (member.comma != k_json_none) {
    return {cut};
  }
  if (previous) {
    return {Splice{previous->comma, 1, ""}, cut}; // no comma may dangle before '}'
  }

  // The only member: an object left with nothing but spaces inside becomes `{}`.
  const std::string_view text(m_text);
  const std::size_t open = walk.parent;
  const std::size_t close = scanner().skip_space(member.value_end);
  const std::size_t cut_end = cut.pos + cut.erase;
  if (JsonScanner::blank(text.substr(open + 1, cut.pos - open - 1))
      && JsonScanner::blank(text.substr(cut_end, close - cut_end))) {
    return {Splice{open + 1, close - open - 1, ""}};
  }
  return {cut};
}

util::Expected<void, std::string>
JsonDocument::commit(const std::vector<Splice>& splices)
{
  if (splices.empty()) {
    return {};
  }
  std::string edited = spliced(m_text, splices);
  if (auto error = check_json(edited, m_allow_comments)) {
    return util::unexpected("the edit would break the file at line " + std::to_string(error->line)
                            + ", column " + std::to_string(error->column) + ": "
                            + error->message);
  }
  m_text = std::move(edited);
  return {};
}

} // namespace

util::Expected<std::unique_ptr<Document>, ParseError>
parse_json(std::string text, bool allow_comments)
{
  // A file that does not exist arrives as "": it is an empty object, not an error.
  if (!JsonScanner::blank(text)) {
    if (auto error = check_json(text, allow_comments)) {
      return util::unexpected(std::move(*error));
    }
  }
  std::unique_ptr<Document> document =
    std::make_unique<JsonDocument>(std::move(text), allow_comments);
  return document;
}

} // namespace aigw::config
