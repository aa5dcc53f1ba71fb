// SPDX-License-Identifier: MIT
// The real aigw-setup on a pseudo-terminal, the way a person runs it: the tests read what
// it shows (stdout and stderr together, as a terminal shows them), wait for a question,
// type an answer, and press Ctrl-C. Each wait has a deadline so a test never hangs.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace aigw::test {

class PtySession
{
public:
  // Start AIGW_BINARY with `args` in `cwd`; the environment holds PATH=/usr/bin:/bin,
  // LANG, TERM and `env`.
  PtySession(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
             const std::filesystem::path& cwd);
  ~PtySession();
  PtySession(const PtySession&) = delete;
  PtySession& operator=(const PtySession&) = delete;

  // Wait until `text` shows up after what earlier waits consumed; throws at the deadline
  // with what was seen. Returns the output up to and including `text`.
  std::string expect(std::string_view text,
                     std::chrono::seconds deadline = std::chrono::seconds(30));

  // Type `line` and Enter.
  void type_line(std::string_view line);

  // Ctrl-C, through the terminal's line discipline (SIGINT to the foreground group).
  void interrupt();

  // SIGTERM to the program alone, the way `kill` or a service manager stops it.
  void terminate();

  // Wait for the exit; the exit code (128 + signal when killed). The rest of the output is
  // read first.
  int wait(std::chrono::seconds deadline = std::chrono::seconds(60));

  // Whether the terminal echoes what is typed, as the program left it.
  bool echoes() const;

  // Everything shown so far, carriage returns removed.
  std::string transcript() const;

private:
  enum class Read { some, nothing, closed };
  Read read_some(std::chrono::milliseconds timeout);

  int m_master = -1;
  pid_t m_child = -1;
  std::string m_output;
  std::size_t m_consumed = 0;
  int m_exit_code = -1;
};

} // namespace aigw::test
