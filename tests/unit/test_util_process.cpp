// SPDX-License-Identifier: MIT
// util::run_capture: what the child printed and how it ended, and a timeout that stops the
// whole process group the child started, not only the child (a credential helper's script
// that hangs would otherwise leave its children running every time it is called).
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "support/test_context.hpp"
#include "util/process.hpp"

using aigw::test::TempDir;

namespace {

// The state letter of /proc/PID/stat ('Z' for a zombie), or 0 when the process is gone.
char
process_state(const std::string& pid)
{
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return 0;
  }
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? 0 : line[close + 2];
}

} // namespace

TEST_CASE("util::run_capture: output and exit code")
{
  const auto output = aigw::util::run_capture({"/bin/sh", "-c", "echo out; exit 3"},
                                              std::chrono::milliseconds(5000));
  CHECK(output.out == "out\n");
  CHECK(output.exit_code == 3);
}

TEST_CASE("util::run_capture: a timeout stops the child's children too")
{
  const TempDir dir;
  const auto pid_file = (dir / "grandchild").string();
  const auto output = aigw::util::run_capture(
    {"/bin/sh", "-c", "sleep 300 & echo $! > '" + pid_file + "'; wait"},
    std::chrono::milliseconds(500));
  CHECK(output.exit_code != 0);

  std::string grandchild;
  std::ifstream(pid_file) >> grandchild;
  REQUIRE_FALSE(grandchild.empty());
  // SIGKILL is delivered at once; the orphan may stay a zombie until init reaps it.
  char state = process_state(grandchild);
  for (int tries = 0; tries < 50 && state != 0 && state != 'Z'; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    state = process_state(grandchild);
  }
  CHECK((state == 0 || state == 'Z'));
}
