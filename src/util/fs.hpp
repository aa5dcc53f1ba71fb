// SPDX-License-Identifier: MIT
// File-system calls the rest of the code needs, as Result values with messages that name
// the path and the cause. All POSIX calls of the project live here and in platform.cpp.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <sys/types.h>

#include "util/error.hpp"

namespace aigw::util {

namespace fs = std::filesystem;

// The whole content of `path`; nullopt when it does not exist.
Result<std::optional<std::string>> read_file_if_exists(const fs::path& path);

// The file a chain of symlinks at `path` ends at (which may not exist yet). A path that is
// not a link is returned as is. Relative links resolve against the link's own folder.
Result<fs::path> resolve_symlinks(const fs::path& path);

struct FileStat
{
  mode_t mode = 0; // permission bits only
  uid_t uid = 0;
  gid_t gid = 0;
};

// Permission bits and owner of `path`, or nullopt when it does not exist.
std::optional<FileStat> stat_file(const fs::path& path);

// Create `dir` and its missing parents with `mode` (before the umask).
Result<void> create_directories(const fs::path& dir, mode_t mode);

// The process umask, read without changing it for longer than the call.
mode_t current_umask();

// Raise this process's soft limit on open files toward its hard limit, to at most 10240 (a
// server with many connections needs more than the 256 or 1024 systems start with); the
// limit now.
std::size_t raise_open_files_limit();

// "permission denied" style text for errno `error_number`.
std::string errno_text(int error_number);

} // namespace aigw::util
