// SPDX-License-Identifier: MIT
// Whole-home fixtures: copy a fixture home into a scratch folder, take a snapshot of every
// file in it, and compare a home against an expected tree of golden files. Golden files
// may hold @HOME@ and @BINARY@, which stand for the scratch home and the built binary.
// With AIGW_UPDATE_GOLDEN=1 the comparison writes the actual files instead (for review).
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace aigw::test {

using Snapshot = std::map<std::string, std::string>; // relative path -> bytes

void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

// Every regular file below `root`, except those under `skip` (relative folder names).
Snapshot snapshot(const std::filesystem::path& root, const std::string& skip = "");

// Check that the files below `home` (but the tool's own folder) equal `expected_dir`.
void check_tree(const std::filesystem::path& expected_dir, const std::filesystem::path& home);

// The tool's own folder below a home given with --home.
inline const char* k_tool_dir = ".config/aigw-setup";

} // namespace aigw::test
