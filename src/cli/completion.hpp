// SPDX-License-Identifier: MIT
// The texts written from the command model: a completion script per shell, and the man
// page (its prose comes from a template; the commands and options from the model).
#pragma once

#include <string>
#include <string_view>

#include "cli/cli_model.hpp"

namespace aigw::cli {

// A bash script that registers completion for `root.name` when sourced.
std::string bash_completion(const CommandModel& root);

// A zsh script: an autoloadable `_<name>` file for fpath that also works when sourced.
std::string zsh_completion(const CommandModel& root);

// A fish script for vendor_completions.d, or to source.
std::string fish_completion(const CommandModel& root);

// The man page: `page_template` with its @VERSION@, @SYNOPSIS@, @COMMANDS@ and
// @GLOBAL_OPTIONS@ lines filled from `root` and `version`.
std::string man_page(const CommandModel& root, std::string_view page_template,
                     const std::string& version);

} // namespace aigw::cli
