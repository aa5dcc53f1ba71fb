// SPDX-License-Identifier: MIT
// The line is read with read(2) one byte at a time: the terminal is in canonical mode, so
// the kernel hands over nothing before Enter anyway, and no stdio buffer can swallow what
// the user types after the answer (the next question reads it).
#include "util/terminal.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>

#include <termios.h>
#include <poll.h>
#include <unistd.h>

namespace aigw::util {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void
note_interrupt(int)
{
  g_interrupted.store(true);
}

// SIGINT caught without SA_RESTART for the length of one read, so read(2) returns EINTR.
class InterruptCatcher
{
public:
  InterruptCatcher()
  {
    g_interrupted.store(false);
    struct sigaction action = {};
    action.sa_handler = note_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &m_previous);
  }
  ~InterruptCatcher() { ::sigaction(SIGINT, &m_previous, nullptr); }
  InterruptCatcher(const InterruptCatcher&) = delete;
  InterruptCatcher& operator=(const InterruptCatcher&) = delete;

private:
  struct sigaction m_previous = {};
};

// Echo off until destroyed; TCSANOW keeps what was typed ahead of the question.
class EchoOff
{
public:
  explicit EchoOff(int fd) : m_fd(fd)
  {
    m_saved = ::tcgetattr(fd, &m_previous) == 0;
    if (m_saved) {
      termios quiet = m_previous;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(fd, TCSANOW, &quiet);
    }
  }
  ~EchoOff()
  {
    if (m_saved) {
      ::tcsetattr(m_fd, TCSANOW, &m_previous);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

private:
  int m_fd;
  bool m_saved = false;
  termios m_previous = {};
};

// Wait until `fd` has input or Ctrl-C was pressed. A SIGINT that lands between the
// prompt and the read would not interrupt a read that starts after it, so the wait looks
// at the flag at least every 100 ms instead of trusting EINTR alone.
bool
wait_for_input(int fd)
{
  for (;;) {
    if (g_interrupted.load()) {
      return false;
    }
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, 100) > 0) {
      return true;
    }
  }
}

TerminalLine
read_line(int fd)
{
  TerminalLine line;
  for (;;) {
    if (!wait_for_input(fd)) {
      line.status = LineStatus::interrupted;
      return line;
    }
    char byte = 0;
    const auto got = ::read(fd, &byte, 1);
    if (got == 1) {
      if (byte == '\n') {
        return line;
      }
      line.text.push_back(byte);
      continue;
    }
    if (got < 0 && errno == EINTR && !g_interrupted.load()) {
      continue;
    }
    line.status = got < 0 && errno == EINTR ? LineStatus::interrupted : LineStatus::end_of_input;
    return line;
  }
}

void
show(std::string_view prompt)
{
  while (!prompt.empty()) {
    const auto written = ::write(STDERR_FILENO, prompt.data(), prompt.size());
    if (written <= 0 && errno != EINTR) {
      return;
    }
    prompt.remove_prefix(written > 0 ? static_cast<std::size_t>(written) : 0);
  }
}

} // namespace

bool
is_terminal(int fd)
{
  return ::isatty(fd) == 1;
}

TerminalLine
read_terminal_line(int fd, Echo echo, std::string_view prompt)
{
  const InterruptCatcher catcher;
  if (echo == Echo::off) {
    const EchoOff quiet(fd);
    show(prompt);
    return read_line(fd);
  }
  show(prompt);
  return read_line(fd);
}

} // namespace aigw::util
