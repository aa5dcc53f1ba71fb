// SPDX-License-Identifier: MIT
#include "support/cli_runner.hpp"

#include <cerrno>
#include <cstdlib>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace aigw::test {

namespace {


std::vector<char*>
pointers(std::vector<std::string>& strings)
{
  std::vector<char*> result;
  for (auto& s : strings) {
    result.push_back(s.data());
  }
  result.push_back(nullptr);
  return result;
}

// Feed stdin and drain both outputs together so that no pipe fills up and blocks.
void
pump(int in_fd, const std::string& input, int out_fd, int err_fd, CliResult& result)
{
  std::size_t written = 0;
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    ::poll(fds, 3, 1000);
    char buffer[65536];
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd : err_fd;
      if (fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) {
          ::close(fd);
          fd = -1;
        } else {
          (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
        }
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      }
      if (n <= 0 || written == input.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) {
    ::close(in_fd);
  }
}

} // namespace

CliResult
run_cli(const std::vector<std::string>& args, const std::string& input,
        const std::map<std::string, std::string>& env, const std::filesystem::path& cwd)
{
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0
      || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return {};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  if (!cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  }

  std::vector<std::string> argv{AIGW_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envp = child_environment(env);
  auto c_argv = pointers(argv);
  auto c_envp = pointers(envp);

  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, AIGW_BINARY, &actions, nullptr, c_argv.data(),
                                  c_envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  CliResult result;
  if (spawned != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return result;
  }
  pump(in_pipe[1], input, out_pipe[0], err_pipe[0], result);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::vector<std::string>
child_environment(const std::map<std::string, std::string>& env)
{
  std::map<std::string, std::string> merged{{"PATH", "/usr/bin:/bin"}, {"LANG", "C.UTF-8"}};
  for (const auto& [name, value] : env) {
    merged[name] = value;
  }
  std::vector<std::string> entries;
  for (const auto& [name, value] : merged) {
    entries.push_back(name + "=" + value);
  }
  return entries;
}

} // namespace aigw::test
