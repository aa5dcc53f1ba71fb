// SPDX-License-Identifier: MIT
// Test entry point: every run works inside a fresh scratch folder that is removed when all
// tests pass and kept (with its path printed) when one fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "support/test_context.hpp"

int
main(int argc, char** argv)
{
  namespace fs = std::filesystem;
  // A child that exits before reading its stdin must not kill the test run.
  std::signal(SIGPIPE, SIG_IGN);
  const fs::path root = fs::temp_directory_path() / ("aigw-tests-" + std::to_string(getpid()));
  fs::create_directories(root);
  aigw::test::set_scratch_root(root);

  doctest::Context context(argc, argv);
  const int failures = context.run();

  if (failures == 0) {
    fs::remove_all(root);
  } else {
    std::fprintf(stderr, "test files kept in %s\n", root.c_str());
  }
  return failures;
}
