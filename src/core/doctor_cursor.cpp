// SPDX-License-Identifier: MIT
// Cursor checks (agents.md 4). Cursor calls its base URL from Cursor's own servers, so a
// loopback or private address (the local relay, a LAN gateway) can never answer it: the
// URL configure gave it and the one in Cursor's state database must both be public.
#include <algorithm>

#include "core/doctor_support.hpp"
#include "core/gateway.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_group = "cursor";
constexpr const char* k_settings_row =
  "src.vs.platform.reactivestorage.browser.reactiveStorageServiceImpl.persistentStorage."
  "applicationUser";
constexpr const char* k_placeholder = "--cursor-url https://<gateway>/cursor/v1";

// The base URLs Cursor is told about: configure's route, and what its state holds.
std::vector<std::string>
cursor_urls(const DoctorInputs& inputs)
{
  std::vector<std::string> urls;
  if (const auto* summary = configured_summary(inputs, "cursor")) {
    if (const auto route = summary->find("route"); route != summary->end() && route->is_string()) {
      urls.push_back(route->get<std::string>());
    }
  }
  const auto* state =
    inputs.files.load(inputs.paths.cursor_state_db, config::Format::cursor_db).document.get();
  const auto stored = state ? state->get({k_settings_row, "openAIBaseUrl"}) : std::nullopt;
  if (stored && stored->is_string() && !stored->get<std::string>().empty()
      && std::find(urls.begin(), urls.end(), stored->get<std::string>()) == urls.end()) {
    urls.push_back(stored->get<std::string>());
  }
  return urls;
}

Check
public_url_check(const DoctorInputs& inputs, const std::string& url)
{
  if (is_private_host(url_host(url))) {
    return failed(k_group, "cursor.private_url",
                  "Cursor calls " + url + " from Cursor's servers, which cannot reach a "
                                          "loopback or private address",
                  "give Cursor the gateway's public https URL: "
                    + configure_command(inputs, "cursor", k_placeholder));
  }
  return passed(k_group, "cursor.private_url",
                "Cursor's base URL " + url + " is a public address, as Cursor's servers need");
}

} // namespace

std::vector<Check>
cursor_checks(const DoctorInputs& inputs)
{
  if (!agent_present(inputs, "cursor", inputs.paths.cursor_state_db.parent_path().parent_path())) {
    return {};
  }
  std::vector<Check> checks;
  if (configured_summary(inputs, "cursor") == nullptr) {
    checks.push_back(not_configured(inputs, "cursor"));
  } else {
    checks = recorded_file_checks(inputs, "cursor",
                                  "Cursor cannot read its settings (quit Cursor before editing)");
  }
  const auto urls = cursor_urls(inputs);
  for (const auto& url : urls) {
    checks.push_back(public_url_check(inputs, url));
  }
  if (urls.empty() && configured_summary(inputs, "cursor") != nullptr) {
    checks.push_back(warned(k_group, "cursor.private_url",
                            "Cursor has no gateway URL: the workspace-hosted gateway documents "
                            "no Cursor route",
                            "run: " + configure_command(inputs, "cursor", k_placeholder)));
  }
  auto versions = version_checks(inputs, "cursor", {});
  checks.insert(checks.end(), versions.begin(), versions.end());
  return checks;
}

} // namespace aigw::core
