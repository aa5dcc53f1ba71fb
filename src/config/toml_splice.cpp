// SPDX-License-Identifier: MIT
// The blank-line rules mirror what the editor's insertions add, so that removing what was
// just set gives the original bytes back: a new table comes after one blank line and
// leaves with it; a first top-level key placed before a header brings one blank line and
// takes it away again.
#include "config/toml_splice.hpp"

#include <algorithm>

namespace aigw::config {

namespace {

// Where the line after the one starting at `begin` starts (the text's size at the end).
std::size_t
next_line_begin(std::string_view text, std::size_t begin)
{
  const std::size_t newline = text.find('\n', begin);
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

bool
is_header_line(std::string_view text, std::size_t begin)
{
  const std::size_t first = text.find_first_not_of(" \t", begin);
  return first != std::string_view::npos && text[first] == '[';
}

} // namespace

std::string
detect_newline(std::string_view text)
{
  const std::size_t newline = text.find('\n');
  if (newline != std::string_view::npos && newline > 0 && text[newline - 1] == '\r') {
    return "\r\n";
  }
  return "\n";
}

bool
ends_with_newline(std::string_view text)
{
  return text.empty() || text.back() == '\n';
}

std::size_t
previous_line_begin(std::string_view text, std::size_t pos)
{
  if (pos < 2) {
    return 0;
  }
  const std::size_t newline = text.rfind('\n', pos - 2);
  return newline == std::string_view::npos ? 0 : newline + 1;
}

bool
is_blank_line(std::string_view text, std::size_t begin)
{
  const std::size_t end = next_line_begin(text, begin);
  const std::string_view line = text.substr(begin, end - begin);
  return begin < text.size() && line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string
indentation_at(std::string_view text, std::size_t begin)
{
  const std::size_t end = std::min(text.find_first_not_of(" \t", begin), text.size());
  return std::string(text.substr(begin, end - begin));
}

std::string
insert_line(std::string text, std::size_t pos, std::size_t body_begin, const std::string& line,
            const std::string& newline, BlankAfter blank)
{
  std::string insertion = line + newline + (blank == BlankAfter::yes ? newline : "");
  if (pos == text.size() && pos > body_begin && !ends_with_newline(text)) {
    // The text ends without a line break, and so does its new last line.
    insertion = newline + line;
  }
  text.insert(pos, insertion);
  return text;
}

std::string
append_block(std::string text, std::size_t body_begin, std::string block,
             const std::string& newline)
{
  if (text.size() > body_begin) {
    if (!ends_with_newline(text)) {
      text += newline;
      block.resize(block.size() - newline.size());
    }
    if (!is_blank_line(text, previous_line_begin(text, text.size()))) {
      text += newline;
    }
  }
  return text + block;
}

std::string
cut_lines(std::string text, Span lines, std::size_t body_begin, GapBeforeHeader gap)
{
  const bool had_final_newline = ends_with_newline(text);
  const bool blank_before =
    lines.begin <= body_begin || is_blank_line(text, previous_line_begin(text, lines.begin));

  // Blank lines after the cut would double the blank line before it.
  std::size_t after_blanks = lines.end;
  while (is_blank_line(text, after_blanks)) {
    after_blanks = next_line_begin(text, after_blanks);
  }
  std::size_t end = lines.end;
  const bool header_follows = after_blanks < text.size() && is_header_line(text, after_blanks);
  if (blank_before || (gap == GapBeforeHeader::drop && header_follows)) {
    end = after_blanks;
  }

  // At the end of the file, the blank lines that separated the cut from the rest go too.
  std::size_t begin = lines.begin;
  while (end == text.size() && begin > body_begin
         && is_blank_line(text, previous_line_begin(text, begin))) {
    begin = previous_line_begin(text, begin);
  }

  text.erase(begin, end - begin);
  if (!had_final_newline && !text.empty() && text.back() == '\n') {
    text.pop_back();
    if (!text.empty() && text.back() == '\r') {
      text.pop_back();
    }
  }
  return text;
}

} // namespace aigw::config
