// SPDX-License-Identifier: MIT
// Durable file writes for the telemetry spool. A file is written to <name>.tmp, fsynced,
// renamed over <name> and the folder fsynced, so <name> holds the old bytes or all the new
// ones, and keeps them through a crash once write_durably returns. The writer holds an
// flock on its .tmp file while it works: a cleaner removes only .tmp files nobody holds,
// so a `relay flush` in another process never takes a file from under a running relay.
#include "net/spool_files.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.hpp"
#include "util/log.hpp"

namespace aigw::net {

namespace {

namespace fs = std::filesystem;

// A file descriptor that closes itself (and so releases its flock).
class Descriptor
{
public:
  explicit Descriptor(int fd) : m_fd(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }

  int get() const { return m_fd; }
  explicit operator bool() const { return m_fd >= 0; }

private:
  int m_fd;
};

util::Unexpected<util::Error>
write_error(const fs::path& path, const char* what)
{
  return util::fail(util::ErrorKind::write,
                    std::string("cannot ") + what + " " + path.string() + ": "
                      + util::errno_text(errno));
}

bool
write_all(int fd, std::string_view bytes)
{
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Create `temp` for writing and lock it. A cleaner in another process may unlink the name
// between our create and our lock; then the file we hold has no name and we start again.
util::Result<int>
create_locked(const fs::path& temp)
{
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return write_error(temp, "create");
    }
    struct stat info
    {
    };
    if (::flock(fd, LOCK_EX) == 0 && ::fstat(fd, &info) == 0 && info.st_nlink > 0) {
      return fd;
    }
    ::close(fd);
  }
  return util::fail(util::ErrorKind::write, "cannot create " + temp.string()
                                              + ": another process keeps removing it");
}

} // namespace

util::Result<void>
sync_folder(const fs::path& dir)
{
  const Descriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) {
    return write_error(dir, "sync");
  }
  return {};
}

// Write `bytes` as dir/name so that the name holds either nothing, the old content or all
// of `bytes`, and the result survives a crash once this returns.
util::Result<void>
write_durably(const fs::path& dir, const std::string& name, std::string_view bytes)
{
  const fs::path target = dir / name;
  const fs::path temp = dir / (name + std::string(k_temp_suffix));
  auto created = create_locked(temp);
  if (!created) {
    return util::unexpected(std::move(created).error());
  }

  const Descriptor fd(*created);
  if (!write_all(fd.get(), bytes) || ::fsync(fd.get()) != 0) {
    auto error = write_error(temp, "write");
    ::unlink(temp.c_str());
    return error;
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    auto error = write_error(target, "rename a temporary file to");
    ::unlink(temp.c_str());
    return error;
  }
  return sync_folder(dir);
}

// Remove `temp` when no live writer holds it: a writer that died left it behind.
void
remove_abandoned_temp(const fs::path& temp)
{
  const Descriptor fd(::open(temp.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return;
  }
  // The name may have moved on to a newer file since we opened it; remove only ours.
  struct stat held
  {
  };
  struct stat named
  {
  };
  if (::fstat(fd.get(), &held) == 0 && ::stat(temp.c_str(), &named) == 0
      && held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
    AIGW_DEBUG("removing " << temp.string() << ", left over by a writer that stopped");
    ::unlink(temp.c_str());
  }
}

} // namespace aigw::net
