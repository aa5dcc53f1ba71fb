// SPDX-License-Identifier: MIT
// Questions for a person at a terminal. Questions go to stderr and answers come from stdin,
// so stdout keeps only results. Without a terminal on both nothing is ever asked: the
// command names the flag that gives the answer instead.
#pragma once

#include <string>

#include "util/secret.hpp"

namespace aigw::cli {

class Prompter
{
public:
  explicit Prompter(bool interactive) : m_interactive(interactive) {}

  // Interactive when stdin and stderr are both terminals.
  static Prompter for_this_process();

  bool interactive() const { return m_interactive; }

  // The trimmed answer, or `fallback` when the user just presses Enter.
  std::string ask(const std::string& question, const std::string& fallback = "") const;

  // An answer typed without echo; asked again while it is empty.
  util::Secret ask_secret(const std::string& question) const;

  // Yes or no; Enter means no.
  bool confirm(const std::string& question) const;

  // The usage error for an answer nobody can be asked for: `what` is missing, `flags` give it.
  [[noreturn]] static void missing(const std::string& what, const std::string& flags);

private:
  bool m_interactive;
};

} // namespace aigw::cli
