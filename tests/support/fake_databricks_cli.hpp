// SPDX-License-Identifier: MIT
// A fake `databricks` executable for the relay's OAuth tests: `databricks auth token` hands
// out u2m-token-A the first time and u2m-token-B every time after, and counts its runs in
// a file beside it; and the credential file text that makes the relay use it.
#pragma once

#include <filesystem>
#include <string>

#include <sys/stat.h>

#include "support/test_context.hpp"

namespace aigw::test {

inline constexpr const char* k_token_a_then_b_cli = R"(#!/bin/sh
dir=$(dirname "$0")
n=$(cat "$dir/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$dir/count"
if [ "$n" -eq 1 ]; then token=u2m-token-A; else token=u2m-token-B; fi
echo "{\"access_token\":\"$token\",\"token_type\":\"Bearer\",\"expiry\":\"2099-01-01T00:00:00Z\"}"
)";

// Write the fake CLI to `cli` (executable); its runs are counted in cli's folder/count.
inline void
write_token_a_then_b_cli(const std::filesystem::path& cli)
{
  write_bytes(cli, k_token_a_then_b_cli);
  ::chmod(cli.c_str(), 0755);
}

// How many times the fake CLI at `cli` ran: "2\n" after two runs, "" before any.
inline std::string
cli_runs(const std::filesystem::path& cli)
{
  return read_bytes(cli.parent_path() / "count");
}

// The tool's credential file for a databricks-cli credential that runs `cli`.
inline std::string
cli_credential(const std::filesystem::path& cli)
{
  return R"({"version": 1, "auth": "databricks-cli", "host": "https://adb-1.example.com",)"
         R"( "cli_path": ")" + cli.string() + "\"}\n";
}

} // namespace aigw::test
