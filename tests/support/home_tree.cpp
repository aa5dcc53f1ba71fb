// SPDX-License-Identifier: MIT
#include "support/home_tree.hpp"

#include <cstdlib>

#include <doctest/doctest.h>

#include "support/test_context.hpp"

namespace aigw::test {

namespace fs = std::filesystem;

namespace {

std::string
substitute(std::string text, const std::string& from, const std::string& to)
{
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string
expand(const std::string& golden, const fs::path& home)
{
  return substitute(substitute(golden, "@HOME@", home.string()), "@BINARY@", AIGW_BINARY);
}

std::string
unexpand(const std::string& actual, const fs::path& home)
{
  return substitute(substitute(actual, AIGW_BINARY, "@BINARY@"), home.string(), "@HOME@");
}

} // namespace

void
copy_tree(const fs::path& from, const fs::path& to)
{
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

Snapshot
snapshot(const fs::path& root, const std::string& skip)
{
  Snapshot files;
  if (!fs::exists(root)) {
    return files;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string relative = fs::relative(entry.path(), root).generic_string();
    if (!skip.empty() && relative.rfind(skip, 0) == 0) {
      continue;
    }
    if (entry.is_regular_file() && !entry.is_symlink()) {
      files[relative] = read_bytes(entry.path());
    }
  }
  return files;
}

void
check_tree(const fs::path& expected_dir, const fs::path& home)
{
  const Snapshot actual = snapshot(home, k_tool_dir);
  if (std::getenv("AIGW_UPDATE_GOLDEN") != nullptr) {
    fs::remove_all(expected_dir);
    for (const auto& [relative, bytes] : actual) {
      write_bytes(expected_dir / relative, unexpand(bytes, home));
    }
    return;
  }
  const Snapshot expected = snapshot(expected_dir);
  for (const auto& [relative, bytes] : expected) {
    CAPTURE(relative);
    REQUIRE(actual.count(relative) == 1);
    CHECK(actual.at(relative) == expand(bytes, home));
  }
  for (const auto& [relative, bytes] : actual) {
    CAPTURE(relative);
    CHECK(expected.count(relative) == 1);
  }
}

} // namespace aigw::test
