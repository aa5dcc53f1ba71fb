// SPDX-License-Identifier: MIT
// What `init` works out before it shows anything: the agents, the workspace, and the token,
// each from a flag, from what the machine already has, or from a question on the terminal.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/configure_request.hpp"
#include "cli/context.hpp"
#include "cli/prompt.hpp"
#include "util/secret.hpp"

namespace aigw::cli {

struct InitOptions
{
  ConfigureOptions configure; // its --profile also names the workspace (and token) for init
  bool yes = false;                   // write without asking
  bool skip_test = false;
  bool gemini_trust_given = false;    // --gemini-trust was on the command line
};

struct Onboarding
{
  ConfigureOptions configure;         // with the answers filled in
  std::vector<std::string> agents;
  std::optional<util::Secret> token;  // read once, handed to each pass of configure
};

// Fill in what `options` leaves open, asking through `prompter` when it is interactive and
// otherwise stopping with the flag that answers each question.
Onboarding gather_answers(const InitOptions& options, Context& context, const Prompter& prompter);

} // namespace aigw::cli
