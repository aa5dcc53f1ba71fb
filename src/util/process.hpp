// SPDX-License-Identifier: MIT
// Running other programs (an agent's --version) and asking whether one is running. No
// shell is involved: arguments go to the program as they are.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace aigw::util {

struct ProcessOutput
{
  int exit_code = -1; // -1 when it could not start, timed out or was killed
  std::string out;
  std::string err; // filled only when CaptureOptions::capture_stderr is set
};

// Run `argv` (argv[0] looked up on PATH) with no stdin, capture stdout, drop stderr, and
// kill it if it takes longer than `timeout`.
ProcessOutput run_capture(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout);

struct CaptureOptions
{
  std::chrono::milliseconds timeout{30'000};
  bool capture_stderr = false;
  std::vector<std::string> unset_env; // variables removed from the child's environment
};

// run_capture() with stderr captured too and some variables kept from the child.
ProcessOutput run_capture(const std::vector<std::string>& argv, const CaptureOptions& options);

// The absolute path of `program` on PATH, if any.
std::optional<std::string> find_on_path(const std::string& program);

// Whether a process whose executable name is one of `names` runs for any user.
bool any_process_named(const std::vector<std::string>& names);

// The absolute path of the running executable.
std::string current_executable();

} // namespace aigw::util
