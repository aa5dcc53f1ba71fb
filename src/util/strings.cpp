// SPDX-License-Identifier: MIT
#include "util/strings.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace aigw::util {

namespace {

std::tm
utc_now(long& milliseconds)
{
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  milliseconds = static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()
    % 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return parts;
}

} // namespace

std::string_view
trim(std::string_view text)
{
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string
to_lower(std::string_view text)
{
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::optional<std::string>
base64_decode(std::string_view text)
{
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      value = 62;
    } else if (c == '_' || c == '/') {
      value = 63;
    } else if (c == '=') {
      break;
    }
    if (value < 0) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::string
printable(std::string_view text)
{
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string shown;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      shown += std::string("\\x") + k_hex[byte >> 4] + k_hex[byte & 0xf];
    } else {
      shown += c;
    }
  }
  return shown;
}

std::vector<std::size_t>
column_widths(const std::vector<std::vector<std::string>>& rows)
{
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (row.size() > widths.size() + 1) {
      widths.resize(row.size() - 1, 0);
    }
    for (std::size_t column = 0; column + 1 < row.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  return widths;
}

std::string
padded_columns(const std::vector<std::string>& row, const std::vector<std::size_t>& widths)
{
  std::string line;
  for (std::size_t column = 0; column + 1 < row.size() && column < widths.size(); ++column) {
    line += row[column] + std::string(widths[column] - row[column].size(), ' ') + "  ";
  }
  return line;
}

std::vector<std::string>
split(std::string_view text, char separator)
{
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

std::string
join(const std::vector<std::string>& parts, std::string_view separator)
{
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      joined += separator;
    }
    joined += parts[i];
  }
  return joined;
}

std::string
shell_quote(std::string_view word)
{
  constexpr std::string_view k_plain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789_-./=:@%+,";
  const bool plain = !word.empty() && word.find_first_not_of(k_plain) == std::string_view::npos;
  if (plain) {
    return std::string(word);
  }
  std::string quoted = "'";
  for (const char c : word) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

std::string
utc_timestamp()
{
  long milliseconds = 0;
  const std::tm parts = utc_now(milliseconds);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

std::string
file_timestamp()
{
  long milliseconds = 0;
  const std::tm parts = utc_now(milliseconds);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%S", &parts);
  char with_ms[48];
  std::snprintf(with_ms, sizeof with_ms, "%s.%03ldZ", buffer, milliseconds);
  return with_ms;
}

std::size_t
edit_distance(std::string_view a, std::string_view b)
{
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

} // namespace aigw::util
