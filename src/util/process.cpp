// SPDX-License-Identifier: MIT
#include "util/process.hpp"

#include <algorithm>
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

// The current environment without the variables named in `unset`.
std::vector<std::string>
child_environment(const std::vector<std::string>& unset)
{
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    if (std::find(unset.begin(), unset.end(), name) == unset.end()) {
      entries.emplace_back(text);
    }
  }
  return entries;
}

// Start `argv` with stdout (and stderr when `err_end` is given) on pipes whose read ends
// are returned; stdin and an uncaptured stderr are /dev/null.
pid_t
spawn_with_pipes(const std::vector<std::string>& argv, const CaptureOptions& options,
                 int& out_end, int* err_end)
{
  int out_fds[2] = {-1, -1};
  int err_fds[2] = {-1, -1};
  if (::pipe2(out_fds, O_CLOEXEC) != 0) {
    return -1;
  }
  if (err_end != nullptr && ::pipe2(err_fds, O_CLOEXEC) != 0) {
    ::close(out_fds[0]);
    ::close(out_fds[1]);
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], 1);
  if (err_end != nullptr) {
    posix_spawn_file_actions_adddup2(&actions, err_fds[1], 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }

  pid_t pid = -1;
  auto args = c_argv(argv);
  auto env_strings = child_environment(options.unset_env);
  auto env = c_argv(env_strings);
  // Its own process group, so that a timeout stops whatever it started too (a script's
  // children would otherwise live on, holding the pipes).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  if (posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), env.data()) != 0) {
    pid = -1;
  }
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fds[1]);
  out_end = out_fds[0];
  if (err_end != nullptr) {
    ::close(err_fds[1]);
    *err_end = err_fds[0];
  }
  return pid;
}

// Read both pipes until they close or `deadline` passes; true when it passed. Each pipe
// is closed and set to -1 once it reaches its end.
bool
drain(int& out_end, int& err_end, std::chrono::steady_clock::time_point deadline,
      ProcessOutput& result)
{
  int* fds[2] = {&out_end, &err_end};
  std::string* sinks[2] = {&result.out, &result.err};
  char buffer[4096];
  while (*fds[0] >= 0 || *fds[1] >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return true;
    }
    pollfd watch[2] = {{*fds[0], POLLIN, 0}, {*fds[1], POLLIN, 0}};
    if (::poll(watch, 2, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (*fds[i] < 0 || (watch[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      const ssize_t n = ::read(*fds[i], buffer, sizeof buffer);
      if (n <= 0) {
        ::close(*fds[i]);
        *fds[i] = -1;
      } else {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  return false;
}

} // namespace

ProcessOutput
run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout)
{
  CaptureOptions options;
  options.timeout = timeout;
  return run_capture(argv, options);
}

ProcessOutput
run_capture(const std::vector<std::string>& argv, const CaptureOptions& options)
{
  ProcessOutput result;
  int out_end = -1;
  int err_end = -1;
  const pid_t pid = spawn_with_pipes(argv, options, out_end,
                                     options.capture_stderr ? &err_end : nullptr);
  if (pid < 0) {
    for (const int fd : {out_end, err_end}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    return result;
  }

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  const bool timed_out = drain(out_end, err_end, deadline, result);
  for (const int fd : {out_end, err_end}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }

  if (timed_out) {
    ::kill(-pid, SIGKILL);
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
