// SPDX-License-Identifier: MIT
#include "util/fs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aigw::util {

namespace {

constexpr int k_max_link_depth = 40;

} // namespace

std::string
errno_text(int error_number)
{
  std::string text = std::strerror(error_number);
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

Result<std::optional<std::string>>
read_file_if_exists(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error_number = errno;
    if (error_number == ENOENT || error_number == ENOTDIR) {
      return std::optional<std::string>{};
    }
    return fail(ErrorKind::parse,
                "cannot read " + path.string() + ": " + errno_text(error_number));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return fail(ErrorKind::parse, "cannot read " + path.string() + ": read error");
  }
  return std::optional<std::string>{content.str()};
}

Result<fs::path>
resolve_symlinks(const fs::path& path)
{
  fs::path current = path;
  for (int depth = 0; depth < k_max_link_depth; ++depth) {
    std::error_code error;
    if (!fs::is_symlink(fs::symlink_status(current, error))) {
      return current;
    }
    fs::path target = fs::read_symlink(current, error);
    if (error) {
      return fail(ErrorKind::write, "cannot read link " + current.string() + ": "
                                      + error.message());
    }
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  return fail(ErrorKind::write, "too many levels of symbolic links at " + path.string());
}

std::optional<FileStat>
stat_file(const fs::path& path)
{
  struct stat info
  {
  };
  if (::stat(path.c_str(), &info) != 0) {
    return std::nullopt;
  }
  return FileStat{static_cast<mode_t>(info.st_mode & 07777), info.st_uid, info.st_gid};
}

Result<void>
create_directories(const fs::path& dir, mode_t mode)
{
  if (dir.empty() || fs::is_directory(dir)) {
    return {};
  }
  AIGW_TRY(create_directories(dir.parent_path(), mode));
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return fail(ErrorKind::write, "cannot create folder " + dir.string() + ": "
                                    + errno_text(errno));
  }
  return {};
}

mode_t
current_umask()
{
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const mode_t mask = ::umask(077);
  ::umask(mask);
  return mask;
}

std::size_t
raise_open_files_limit()
{
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 0;
  }
  // macOS refuses more than OPEN_MAX (10240) whatever the hard limit says.
  constexpr rlim_t k_enough = 10'240;
  const rlim_t wanted = std::min(limit.rlim_max, k_enough);
  if (limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

} // namespace aigw::util
