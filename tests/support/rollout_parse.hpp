// SPDX-License-Identifier: MIT
// Shared by the rollout schema tests: parse a rollout text named "rollout.yaml" with the
// environment given as a map, and get the Rollout or the exact message of its usage error.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/rollout.hpp"

namespace aigw::test::rollout_parse {

using Vars = std::map<std::string, std::string>;

// An empty variable counts as unset, as the tool's own lookup has it.
inline core::EnvLookup
env_of(const Vars& vars)
{
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto found = vars.find(name);
    if (found == vars.end() || found->second.empty()) {
      return std::nullopt;
    }
    return found->second;
  };
}

inline core::Rollout
parsed(const std::string& yaml, const Vars& vars = {})
{
  auto rollout = core::parse_rollout(yaml, "rollout.yaml", env_of(vars));
  INFO((rollout ? std::string() : rollout.error().message));
  REQUIRE(rollout);
  return *rollout;
}

inline std::string
error_of(const std::string& yaml, const Vars& vars = {})
{
  auto rollout = core::parse_rollout(yaml, "rollout.yaml", env_of(vars));
  REQUIRE_FALSE(rollout);
  CHECK(rollout.error().kind == util::ErrorKind::usage);
  return rollout.error().message;
}

// Rollout texts and the exact error each gives.
using Cases = std::vector<std::pair<std::string, std::string>>;

inline void
check_errors(const Cases& cases, const Vars& vars = {})
{
  for (const auto& [yaml, message] : cases) {
    CAPTURE(yaml);
    CHECK(error_of(yaml, vars) == message);
  }
}

} // namespace aigw::test::rollout_parse
