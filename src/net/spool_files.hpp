// SPDX-License-Identifier: MIT
// Private to the telemetry spool (net/spool*.cpp): files written so that a crash leaves
// either the old bytes or all the new ones, never a part.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace aigw::net {

// The suffix of a file being written; such a file is never a record.
inline constexpr std::string_view k_temp_suffix = ".tmp";

// Write `bytes` as `dir`/`name` through a locked temporary file, a rename and fsyncs, so
// that the name holds the old content or all of `bytes`, and keeps it once this returns.
util::Result<void> write_durably(const std::filesystem::path& dir,
                                 const std::string& name,
                                 std::string_view bytes);

// Make the entries of `dir` (new names, renames, removals) survive a crash.
util::Result<void> sync_folder(const std::filesystem::path& dir);

// Remove `temp` unless a live writer holds its lock: a writer that died left it behind.
void remove_abandoned_temp(const std::filesystem::path& temp);

} // namespace aigw::net
