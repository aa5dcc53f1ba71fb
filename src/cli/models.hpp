// SPDX-License-Identifier: MIT
// What `configure` and `apply` take from `models`: a model named "auto" (every agent's with
// `configure --models auto`, one agent's with --<agent>-model auto or a rollout's
// `model: auto`) is replaced, before planning, by the model core::pick_model chooses from
// what the gateway and the workspace serve. An explicitly named model is never replaced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/configure_request.hpp"
#include "core/agents.hpp"
#include "core/gateway.hpp"
#include "core/plan.hpp"
#include "util/secret.hpp"

namespace aigw::cli {

// Where configure asks for the served models, and with which token.
struct AutoModelSources
{
  core::Routes routes;                    // the upstream routes (not the relay's)
  std::optional<std::string> env_workspace; // $DATABRICKS_HOST, when routes have no workspace
  std::optional<util::Secret> token;        // none: nothing to send (a dry run's stand-in)
  std::vector<core::Header> headers;        // the extra headers Claude Code gets
};

// `options` with the model of every agent in `agents` (claude, codex, gemini) that was not
// named explicitly set to "auto" when --models auto was given; else `options` as it is.
ConfigureOptions with_auto_models(const ConfigureOptions& options,
                                  const std::vector<std::string>& agents);

// Whether a model of `request` (Claude's, Codex's or Gemini's) is still "auto".
bool has_auto_model(const core::ConfigureRequest& request);

// Replace each "auto" model of `request` with the pick for its agent, and say which on
// stderr. Throws util::Fatal: remote when a listing fails or serves nothing the agent can
// use, usage when no route or workspace says where to ask.
void pick_auto_models(const AutoModelSources& sources, core::ConfigureRequest& request);

// A note in the report of each plan whose model `options` left to --models auto.
void note_auto_models(const ConfigureOptions& options, const core::ConfigureRequest& request,
                      std::vector<core::AgentPlan>& plans);

} // namespace aigw::cli
