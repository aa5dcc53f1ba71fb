// SPDX-License-Identifier: MIT
// Unified diffs for --dry-run, computed by dtl (Debian's libdtl-dev) over lines. A line
// longer than a terminal page is cut in the display only: a minified 50 MB JSON file
// would otherwise print twice in full.
#include "util/diff.hpp"

#include <sstream>
#include <vector>

#include <dtl/dtl.hpp>

namespace aigw::util {

namespace {

constexpr std::size_t k_max_shown_line = 400;

std::vector<std::string>
split_lines(std::string_view text)
{
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      lines.back() += "\n\\ No newline at end of file";
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string
shorten(const std::string& line)
{
  if (line.size() <= k_max_shown_line) {
    return line;
  }
  return line.substr(0, k_max_shown_line) + "... ("
         + std::to_string(line.size() - k_max_shown_line) + " more bytes)";
}

} // namespace

std::string
unified_diff(std::string_view before, std::string_view after, const std::string& label)
{
  if (before == after) {
    return {};
  }
  const std::vector<std::string> old_lines = split_lines(before);
  const std::vector<std::string> new_lines = split_lines(after);
  dtl::Diff<std::string> diff(old_lines, new_lines);
  diff.onHuge();
  diff.compose();
  diff.composeUnifiedHunks();

  std::ostringstream out;
  out << "--- " << label << "\n+++ " << label << "\n";
  for (const auto& hunk : diff.getUniHunks()) {
    out << "@@ -" << hunk.a << "," << hunk.b << " +" << hunk.c << "," << hunk.d << " @@\n";
    const auto print = [&out](const auto& elements) {
      for (const auto& [line, info] : elements) {
        const char mark = info.type == dtl::SES_ADD ? '+'
                          : info.type == dtl::SES_DELETE ? '-'
                                                         : ' ';
        out << mark << shorten(line) << "\n";
      }
    };
    print(hunk.common[0]);
    print(hunk.change);
    print(hunk.common[1]);
  }
  return out.str();
}

} // namespace aigw::util
