// SPDX-License-Identifier: MIT
#include "support/pty_session.hpp"

#include "support/cli_runner.hpp"

#include <algorithm>
#include <csignal>
#include <stdexcept>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef AIGW_BINARY
#error "AIGW_BINARY must name the built aigw-setup"
#endif

namespace aigw::test {

namespace {

using Clock = std::chrono::steady_clock;


[[noreturn]] void
exec_child(const std::vector<std::string>& args, std::vector<std::string> env,
           const std::filesystem::path& cwd)
{
  std::vector<std::string> argv{AIGW_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> arg_pointers;
  for (auto& arg : argv) {
    arg_pointers.push_back(arg.data());
  }
  arg_pointers.push_back(nullptr);
  std::vector<char*> env_pointers;
  for (auto& entry : env) {
    env_pointers.push_back(entry.data());
  }
  env_pointers.push_back(nullptr);
  // As a shell starts a program: no signal blocked, none ignored (the test process blocks
  // some in threads that serve fakes, and ignores SIGPIPE).
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (const int number : {SIGINT, SIGPIPE, SIGTERM, SIGHUP}) {
    std::signal(number, SIG_DFL);
  }
  if (::chdir(cwd.c_str()) == 0) {
    ::execve(AIGW_BINARY, arg_pointers.data(), env_pointers.data());
  }
  ::_exit(127);
}

} // namespace

PtySession::PtySession(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env,
                       const std::filesystem::path& cwd)
{
  auto with_terminal = env;
  with_terminal.try_emplace("TERM", "dumb");
  auto entries = child_environment(with_terminal);
  m_child = ::forkpty(&m_master, nullptr, nullptr, nullptr);
  if (m_child < 0) {
    throw std::runtime_error("forkpty failed");
  }
  if (m_child == 0) {
    exec_child(args, std::move(entries), cwd);
  }
}

PtySession::~PtySession()
{
  if (m_exit_code < 0 && m_child > 0) {
    ::kill(m_child, SIGKILL);
    ::waitpid(m_child, nullptr, 0);
  }
  if (m_master >= 0) {
    ::close(m_master);
  }
}

PtySession::Read
PtySession::read_some(std::chrono::milliseconds timeout)
{
  pollfd fd{m_master, POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) {
    return Read::nothing;
  }
  char buffer[4096];
  const ssize_t got = ::read(m_master, buffer, sizeof buffer);
  if (got <= 0) {
    return Read::closed; // every copy of the terminal's other end is closed (EIO on Linux)
  }
  m_output.append(buffer, static_cast<std::size_t>(got));
  return Read::some;
}

std::string
PtySession::expect(std::string_view text, std::chrono::seconds deadline)
{
  const auto until = Clock::now() + deadline;
  for (;;) {
    const std::string seen = transcript();
    if (const auto at = seen.find(text, m_consumed); at != std::string::npos) {
      const std::size_t end = at + text.size();
      std::string upto = seen.substr(m_consumed, end - m_consumed);
      m_consumed = end;
      return upto;
    }
    if (Clock::now() > until || read_some(std::chrono::milliseconds(100)) == Read::closed) {
      throw std::runtime_error("waited for \"" + std::string(text) + "\"; the terminal shows:\n"
                               + seen.substr(m_consumed));
    }
  }
}

void
PtySession::type_line(std::string_view line)
{
  const std::string typed = std::string(line) + "\n";
  if (::write(m_master, typed.data(), typed.size()) != static_cast<ssize_t>(typed.size())) {
    throw std::runtime_error("could not type into the terminal");
  }
}

void
PtySession::interrupt()
{
  const char control_c = '\x03';
  if (::write(m_master, &control_c, 1) != 1) {
    throw std::runtime_error("could not type Ctrl-C");
  }
}

void
PtySession::terminate()
{
  if (::kill(m_child, SIGTERM) != 0) {
    throw std::runtime_error("could not send SIGTERM");
  }
}

int
PtySession::wait(std::chrono::seconds deadline)
{
  const auto until = Clock::now() + deadline;
  while (m_exit_code < 0) {
    read_some(std::chrono::milliseconds(100));
    int status = 0;
    if (::waitpid(m_child, &status, WNOHANG) == m_child) {
      while (read_some(std::chrono::milliseconds(0)) == Read::some) {
      }
      m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else if (Clock::now() > until) {
      throw std::runtime_error("aigw-setup did not exit; the terminal shows:\n" + transcript());
    }
  }
  return m_exit_code;
}

bool
PtySession::echoes() const
{
  termios settings{};
  return ::tcgetattr(m_master, &settings) == 0 && (settings.c_lflag & ECHO) != 0;
}

std::string
PtySession::transcript() const
{
  std::string text = m_output;
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  return text;
}

} // namespace aigw::test
