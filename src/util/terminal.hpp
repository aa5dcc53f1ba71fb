// SPDX-License-Identifier: MIT
// Reading answers from a terminal: whether a descriptor is one, and one line from it with
// or without echo. Ctrl-C while waiting gives `interrupted` (with echo restored) instead of
// killing the process with the terminal left silent.
#pragma once

#include <string>
#include <string_view>

namespace aigw::util {

bool is_terminal(int fd);

enum class Echo { on, off };

enum class LineStatus { ok, end_of_input, interrupted };

struct TerminalLine
{
  LineStatus status = LineStatus::ok;
  std::string text; // without the newline
};

// Show `prompt` on stderr, then read up to a newline from `fd`. With Echo::off the terminal
// shows nothing typed from before the prompt appears until the line ends.
TerminalLine read_terminal_line(int fd, Echo echo, std::string_view prompt);

} // namespace aigw::util
