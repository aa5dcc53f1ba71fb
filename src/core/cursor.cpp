// SPDX-License-Identifier: MIT
// Cursor keeps its base URL and key in its application state, and calls the URL from
// Cursor's own servers, so nothing local can serve it. By default configure only prints
// the exact values and where to enter them.
#include "core/agents.hpp"

#include "util/strings.hpp"

namespace aigw::core {

util::Result<AgentPlan>
plan_cursor(const ConfigureRequest& request, const Paths& paths)
{
  AgentPlan plan{"cursor"};
  if (!request.routes.cursor) {
    plan.warnings.push_back("no Cursor route: the workspace-hosted gateway documents none; "
                            "give --gateway or --cursor-url");
    return plan;
  }
  const std::string& url = *request.routes.cursor;
  if (is_private_host(url_host(url))) {
    plan.warnings.push_back("Cursor calls " + url + " from Cursor's servers, which cannot "
                            "reach a loopback or private address");
  }

  const std::string models = request.cursor_models.empty()
                               ? "<gateway endpoint name> (name them with --cursor-model)"
                               : util::join(request.cursor_models, ", ");
  plan.notes.push_back("Cursor: open Cursor Settings > Models > API Keys");
  plan.notes.push_back("  1. OpenAI API Key: paste the output of `aigw-setup token` and verify");
  plan.notes.push_back("  2. switch on Override OpenAI Base URL: " + url);
  plan.notes.push_back("  3. + Add Custom Model, and switch on: " + models);
  plan.notes.push_back("  4. test in Ask mode (Ctrl+L / Cmd+L); custom keys do not serve "
                       "Agent mode or Tab");
  if (request.cursor_write_state) {
    // TODO(#2): write these values into state.vscdb (config/cursor_state) with Cursor closed.
    plan.warnings.push_back("--cursor-write-state is not available yet; " +
                            paths.cursor_state_db.string() + " was not changed");
  }
  plan.summary = {{"route", url}, {"models", request.cursor_models}};
  return plan;
}

} // namespace aigw::core
