// SPDX-License-Identifier: MIT
#include "config/file_lock.hpp"

#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/fs.hpp"

namespace aigw::config {

namespace {

constexpr auto k_poll_interval = std::chrono::milliseconds(50);

std::string
holder_pid(int fd)
{
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string("unknown");
}

void
record_pid(int fd)
{
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) {
    // The pid only makes the "lock held" message better; failing to write it is harmless.
    [[maybe_unused]] const ssize_t n = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
}

} // namespace

FileLock::FileLock(FileLock&& other) noexcept : m_fd(other.m_fd)
{
  other.m_fd = -1;
}

FileLock&
FileLock::operator=(FileLock&& other) noexcept
{
  std::swap(m_fd, other.m_fd);
  return *this;
}

FileLock::~FileLock()
{
  if (m_fd >= 0) {
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
  }
}

util::Result<FileLock>
FileLock::acquire(const std::filesystem::path& path, std::chrono::milliseconds timeout)
{
  AIGW_TRY(util::create_directories(path.parent_path(), 0700));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return util::fail(util::ErrorKind::write,
                      "cannot open lock file " + path.string() + ": " + util::errno_text(errno));
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string holder = holder_pid(fd);
      ::close(fd);
      return util::fail(util::ErrorKind::write,
                        "another aigw-setup run (pid " + holder + ") holds the lock "
                          + path.string() + "; try again when it has finished");
    }
    std::this_thread::sleep_for(k_poll_interval);
  }
  record_pid(fd);
  return FileLock(fd);
}

} // namespace aigw::config
