// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aigw::util {

std::string_view trim(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);

// Whether `test` holds for a part of `text` between `separator`s, trying them in order and
// stopping at the first that passes. split() without a copy of each part, for code that
// runs on every relayed request.
template <typename Test>
bool
any_part(std::string_view text, char separator, const Test& test)
{
  while (true) {
    const std::size_t end = text.find(separator);
    if (test(text.substr(0, end))) {
      return true;
    }
    if (end == std::string_view::npos) {
      return false;
    }
    text.remove_prefix(end + 1);
  }
}

// `text` with ASCII letters in lower case (header names, answers, hosts).
std::string to_lower(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

// The bytes base64 text stands for, in either alphabet (+/ or -_), padded or not; nullopt
// when a character is neither.
std::optional<std::string> base64_decode(std::string_view text);

// `text` with each control character shown as \xNN, safe to print on a terminal.
std::string printable(std::string_view text);

// The widest cell of each column of `rows` but the last, which a table leaves ragged.
std::vector<std::size_t> column_widths(const std::vector<std::vector<std::string>>& rows);

// The cells of `row` but the last, each padded to its column's width and followed by two
// spaces: the start of a table line, to which the caller adds the last cell.
std::string padded_columns(const std::vector<std::string>& row,
                           const std::vector<std::size_t>& widths);

// `word` quoted for /bin/sh so that it stays one argument whatever it contains.
std::string shell_quote(std::string_view word);

// The current UTC time as 2026-12-04T05:07:48Z.
std::string utc_timestamp();

// The current UTC time as 20261204T050748.123Z, safe inside a file name.
std::string file_timestamp();

// Levenshtein distance: the fewest single-character insertions, deletions and
// substitutions that turn `a` into `b` (for "did you mean").
std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace aigw::util
