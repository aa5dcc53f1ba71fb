// SPDX-License-Identifier: MIT
#include "cli/prompt.hpp"

#include <iostream>
#include <unistd.h>

#include "util/error.hpp"
#include "util/strings.hpp"
#include "util/terminal.hpp"

namespace aigw::cli {

namespace {

std::string
read_answer(const std::string& question, util::Echo echo)
{
  std::cerr << std::flush;
  auto line = util::read_terminal_line(STDIN_FILENO, echo, question);
  if (echo == util::Echo::off) {
    std::cerr << '\n'; // the Enter the user typed was not echoed either
  }
  if (line.status == util::LineStatus::interrupted) {
    std::cerr << '\n';
    throw util::Fatal(util::ErrorKind::interrupted, "stopped at a question; nothing was written");
  }
  if (line.status == util::LineStatus::end_of_input && line.text.empty()) {
    throw util::Fatal(util::ErrorKind::usage,
                      "no answer (end of input) to: " + std::string(util::trim(question)));
  }
  return std::string(util::trim(line.text));
}

} // namespace

Prompter
Prompter::for_this_process()
{
  return Prompter(util::is_terminal(STDIN_FILENO) && util::is_terminal(STDERR_FILENO));
}

std::string
Prompter::ask(const std::string& question, const std::string& fallback) const
{
  const std::string shown = fallback.empty() ? question : question + " [" + fallback + "]";
  auto answer = read_answer(shown + ": ", util::Echo::on);
  return answer.empty() ? fallback : answer;
}

util::Secret
Prompter::ask_secret(const std::string& question) const
{
  for (;;) {
    auto answer = read_answer(question + " (typing is hidden): ", util::Echo::off);
    if (!answer.empty()) {
      return util::Secret(std::move(answer));
    }
  }
}

bool
Prompter::confirm(const std::string& question) const
{
  for (;;) {
    const auto answer = util::to_lower(read_answer(question + " [y/N]: ", util::Echo::on));
    if (answer.empty() || answer == "n" || answer == "no") {
      return false;
    }
    if (answer == "y" || answer == "yes") {
      return true;
    }
    std::cerr << "Please answer y or n.\n";
  }
}

void
Prompter::missing(const std::string& what, const std::string& flags)
{
  throw util::Fatal(util::ErrorKind::usage,
                    "init needs " + what + ": give " + flags
                      + " (stdin is not a terminal, so init asks nothing)");
}

} // namespace aigw::cli
