// SPDX-License-Identifier: MIT
#include "util/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strings.hpp"

extern char** environ;

namespace aigw::util {

namespace {

std::vector<char*>
c_argv(const std::vector<std::string>& argv)
{
  std::vector<char*> pointers;
  for (const auto& arg : argv) {
    pointers.push_back(const_cast<char*>(arg.c_str()));
  }
  pointers.push_back(nullptr);
  return pointers;
}

pid_t
spawn_with_pipe(const std::vector<std::string>& argv, int& read_end)
{
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);

  pid_t pid = -1;
  auto args = c_argv(argv);
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  read_end = fds[0];
  return pid;
}

} // namespace

ProcessOutput
run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout)
{
  ProcessOutput result;
  int read_end = -1;
  const pid_t pid = spawn_with_pipe(argv, read_end);
  if (pid < 0) {
    if (read_end >= 0) {
      ::close(read_end);
    }
    return result;
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd watch{read_end, POLLIN, 0};
    if (::poll(&watch, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    const ssize_t n = ::read(read_end, buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    result.out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(read_end);

  if (timed_out) {
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!timed_out && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

std::optional<std::string>
find_on_path(const std::string& program)
{
  const char* path = std::getenv("PATH");
  if (path == nullptr) {
    return std::nullopt;
  }
  for (const auto& dir : split(path, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir)
                                            / program;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
      return candidate.string();
    }
  }
  return std::nullopt;
}

bool
any_process_named(const std::vector<std::string>& names)
{
#ifdef __linux__
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    std::ifstream comm(entry.path() / "comm");
    std::string name;
    if (comm && std::getline(comm, name)) {
      for (const auto& wanted : names) {
        if (name == wanted) {
          return true;
        }
      }
    }
  }
  return false;
#else
  for (const auto& wanted : names) {
    if (run_capture({"pgrep", "-x", wanted}, std::chrono::seconds(5)).exit_code == 0) {
      return true;
    }
  }
  return false;
#endif
}

std::string
current_executable()
{
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("aigw-setup") : self.string();
}

} // namespace aigw::util
