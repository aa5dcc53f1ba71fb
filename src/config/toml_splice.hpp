// SPDX-License-Identifier: MIT
// Line-level surgery on a TOML text: insert a line, cut whole lines, and keep blank lines
// and the final line break the way the file had them.
#pragma once

#include <string>
#include <string_view>

#include "config/toml_layout.hpp"

namespace aigw::config {

// The line break the file uses: "\r\n" when its first line ends so, else "\n".
std::string detect_newline(std::string_view text);

// Whether `text` ends with a line break (an empty text counts as ending with one).
bool ends_with_newline(std::string_view text);

// Where the line holding the byte before `pos` starts.
std::size_t previous_line_begin(std::string_view text, std::size_t pos);

// Whether the line starting at `begin` has nothing but spaces or tabs.
bool is_blank_line(std::string_view text, std::size_t begin);

// The spaces and tabs that start the line at `begin`.
std::string indentation_at(std::string_view text, std::size_t begin);

enum class BlankAfter { no, yes };

// `text` with `line` inserted at `pos`, a line start, followed by a line break and, if
// asked, a blank line. At the end of a non-empty body (from `body_begin`) that has no
// final line break, the line goes after a break and gets none.
std::string insert_line(std::string text, std::size_t pos, std::size_t body_begin,
                        const std::string& line, const std::string& newline, BlankAfter blank);

// `text` with `block` (whole lines) at its end, one blank line after what comes before
// (none when the body, from `body_begin`, is empty), keeping a missing final line break.
std::string append_block(std::string text, std::size_t body_begin, std::string block,
                         const std::string& newline);

// How to tidy around a cut.
enum class GapBeforeHeader {
  keep, // blank lines after the cut stay unless a blank line is before it as well
  drop, // blank lines after the cut go too when a table header follows them
};

// `text` without the whole lines `lines`, leaving no double blank line, no blank line at
// the start or end of the file, and no final line break the file did not have.
std::string cut_lines(std::string text, Span lines, std::size_t body_begin, GapBeforeHeader gap);

} // namespace aigw::config
