// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <filesystem>

#include "util/error.hpp"

namespace aigw::config {

// An exclusive advisory lock (flock) on a file in the tool's state folder, held for the
// whole of a command that writes, so that two runs never interleave their edits. A second
// run waits for the first to finish instead of failing, up to a timeout.
class FileLock
{
public:
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  ~FileLock();

  // Take the lock at `path`, creating the file (mode 0600) if needed; fail with a write
  // error naming the holder's pid after `timeout`.
  static util::Result<FileLock> acquire(const std::filesystem::path& path,
                                        std::chrono::milliseconds timeout);

private:
  explicit FileLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

} // namespace aigw::config
