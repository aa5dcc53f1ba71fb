// SPDX-License-Identifier: MIT
// Cursor keeps its base URL and key in its application state, and calls the URL from
// Cursor's own servers, so nothing local can serve it. By default configure only prints
// the exact values and where to enter them. With --cursor-write-state it edits the rows of
// state.vscdb that hold them (agents.md 4), only while Cursor is closed: a running Cursor
// would overwrite the change from memory.
#include "core/agents.hpp"

#include <algorithm>

#include "util/fs.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_key_row = "cursorAuth/openAIKey";
// Newer Cursor builds move the key into encrypted storage under this row, which then wins
// over the plain one; configure takes it out (and unconfigure puts it back).
constexpr const char* k_secret_key_row = "secret://cursorAuth/openAIKey";
constexpr const char* k_settings_row =
  "src.vs.platform.reactivestorage.browser.reactiveStorageServiceImpl.persistentStorage."
  "applicationUser";

// `current` (a JSON array, or nothing) with `names` added at the end, without repeats.
config::Json
with_models(const std::optional<config::Json>& current, const std::vector<std::string>& names)
{
  config::Json list = current && current->is_array() ? *current : config::Json::array();
  for (const auto& name : names) {
    if (std::find(list.begin(), list.end(), config::Json(name)) == list.end()) {
      list.push_back(name);
    }
  }
  return list;
}

util::Result<void>
check_cursor_closed(const Paths& paths)
{
  if (util::any_process_named({"cursor", "Cursor", "Cursor Helper"})) {
    return util::fail(util::ErrorKind::write,
                      "Cursor is running; quit it completely, then run configure again "
                      "(it would overwrite " + paths.cursor_state_db.string() + " on exit)");
  }
  std::error_code error;
  const auto wal = paths.cursor_state_db.string() + "-wal";
  if (std::filesystem::exists(wal, error) && std::filesystem::file_size(wal, error) > 0) {
    return util::fail(util::ErrorKind::write,
                      wal + " holds changes Cursor has not written back; start and quit "
                            "Cursor once, then run configure again");
  }
  return {};
}

// The rows of state.vscdb that hold the key, the base URL override and the custom models.
util::Result<FilePlan>
state_plan(const ConfigureRequest& request, const Paths& paths)
{
  AIGW_TRY(check_cursor_closed(paths));
  FilePlan state{paths.cursor_state_db, config::Format::cursor_db, config::Sensitivity::secret};

  auto bytes = util::read_file_if_exists(paths.cursor_state_db);
  AIGW_TRY(bytes);
  std::optional<config::Json> models;
  if (bytes->has_value()) {
    if (auto document = config::parse_document(config::Format::cursor_db, **bytes)) {
      models = (*document)->get({k_settings_row, "aiSettings", "userAddedModels"});
    }
  }

  const auto setting = [&](config::KeyPath path, config::Json value) {
    path.insert(path.begin(), k_settings_row);
    state.edits.push_back(KeyEdit{std::move(path), std::move(value)});
  };
  state.edits.push_back(KeyEdit{{k_key_row}, request.token->reveal(), true});
  state.edits.push_back(KeyEdit{{k_secret_key_row}, std::nullopt, true});
  setting({"openAIBaseUrl"}, *request.routes.cursor);
  setting({"useOpenAIKey"}, true);
  setting({"aiSettings", "userAddedModels"}, with_models(models, request.cursor_models));
  return state;
}

} // namespace

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
  // With the relay, Cursor holds the relay key like every agent; the real token stays with
  // the relay, which would refuse it from an agent.
  const std::string key = request.relay_key_file
                            ? "the relay key (the line in " + request.relay_key_file->string() + ")"
                            : "the output of `aigw-setup token`";
  plan.notes.push_back("  1. OpenAI API Key: paste " + key + " and verify");
  plan.notes.push_back("  2. switch on Override OpenAI Base URL: " + url);
  plan.notes.push_back("  3. + Add Custom Model, and switch on: " + models);
  plan.notes.push_back("  4. test in Ask mode (Ctrl+L / Cmd+L); custom keys do not serve "
                       "Agent mode or Tab");
  if (request.cursor_write_state) {
    std::error_code error;
    if (!std::filesystem::exists(paths.cursor_state_db, error)) {
      plan.warnings.push_back(paths.cursor_state_db.string() + " does not exist: start Cursor "
                              "once, quit it, and run configure again");
    } else {
      auto state = state_plan(request, paths);
      AIGW_TRY(state);
      plan.files.push_back(std::move(*state));
      plan.notes.push_back("Cursor: its state gets the key, base URL and models (steps 1-3 "
                           "below); start Cursor and check Settings > Models");
    }
  }
  plan.summary = {{"route", url}, {"models", request.cursor_models}};
  return plan;
}

} // namespace aigw::core
