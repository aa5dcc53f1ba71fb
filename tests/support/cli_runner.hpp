// SPDX-License-Identifier: MIT
// Runs the real aigw-setup binary the way a user would: arguments, standard input and a
// clean environment in, exit code and both output streams out.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#ifndef AIGW_BINARY
#error "AIGW_BINARY must name the built aigw-setup"
#endif

namespace aigw::test {

struct CliResult
{
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Run aigw-setup with `args`, feeding `input` on stdin. The environment holds only PATH,
// HOME (set to `home` when given) and `env`.
CliResult run_cli(const std::vector<std::string>& args,
                  const std::string& input = "",
                  const std::map<std::string, std::string>& env = {},
                  const std::filesystem::path& cwd = {}); // empty: the test's own folder

// NAME=value entries for a child: PATH=/usr/bin:/bin and LANG=C.UTF-8 unless `env` sets them,
// then `env`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& env);

} // namespace aigw::test
