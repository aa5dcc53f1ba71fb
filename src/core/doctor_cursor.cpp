// SPDX-License-Identifier: MIT
// Cursor checks (agents.md 4). Cursor calls its base URL from Cursor's own servers, so a
// loopback or private address (the local relay, a LAN gateway) can never answer it: the
// URL configure gave it and the one in Cursor's state database must both be public.
// With --auth relay, configure points Cursor at the relay like every agent; no option
// makes that work, so doctor warns and names the one setup that does: Cursor straight to
// the gateway the relay forwards to, with the token instead of the relay key.
#include <algorithm>

#include "core/doctor_support.hpp"
#include "core/gateway.hpp"
#include "net/relay_config.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_group = "cursor";
constexpr const char* k_settings_row =
  "src.vs.platform.reactivestorage.browser.reactiveStorageServiceImpl.persistentStorage."
  "applicationUser";
constexpr const char* k_placeholder = "--cursor-url https://<gateway>/cursor/v1";

std::string
configured_route(const DoctorInputs& inputs)
{
  const auto* summary = configured_summary(inputs, "cursor");
  if (summary == nullptr || !summary->is_object()) {
    return "";
  }
  const auto route = summary->find("route");
  return route != summary->end() && route->is_string() ? route->get<std::string>() : "";
}

// The base URLs Cursor is told about: configure's route, and what its state holds.
std::vector<std::string>
cursor_urls(const DoctorInputs& inputs)
{
  std::vector<std::string> urls;
  if (const std::string route = configured_route(inputs); !route.empty()) {
    urls.push_back(route);
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

// How configure is told the gateway the relay forwards to, when Cursor's servers can reach
// it; else a placeholder for the gateway's public URL.
std::string
relay_upstream_option(const DoctorInputs& inputs)
{
  const auto relay = net::load_relay_file(net::relay_file_path(inputs.paths));
  if (!relay || !relay->has_value()) {
    return k_placeholder;
  }
  const RouteOptions& upstream = (*relay)->routes;
  const auto reachable = [](const std::optional<std::string>& url) {
    return url && !is_private_host(url_host(*url));
  };
  if (reachable(upstream.cursor_url)) {
    return "--cursor-url " + *upstream.cursor_url;
  }
  if (!upstream.cursor_url && reachable(upstream.gateway)) {
    return "--gateway " + *upstream.gateway;
  }
  return k_placeholder;
}

// Cursor set to the relay by --auth relay: it cannot work, and no relay option changes that.
Check
relay_url_check(const DoctorInputs& inputs, const std::string& url)
{
  return warned(k_group, "cursor.private_url",
                "Cursor is set to the local relay at " + url + ", which it cannot use: Cursor "
                  "sends its requests from Cursor's servers, which cannot reach this machine",
                "give Cursor the gateway itself (it then holds the token `"
                  + aigw_command(inputs, "token") + "` prints, not the relay key): "
                  + configure_command(inputs, "cursor", relay_upstream_option(inputs)));
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
  const auto* summary = configured_summary(inputs, "cursor");
  std::vector<Check> checks;
  if (summary == nullptr) {
    checks.push_back(not_configured(inputs, "cursor"));
  } else {
    checks = recorded_file_checks(inputs, "cursor",
                                  "Cursor cannot read its settings (quit Cursor before editing)");
  }
  const bool relay = summary != nullptr && summary->is_object()
                     && summary->value("auth", std::string()) == "relay";
  const auto urls = cursor_urls(inputs);
  for (const auto& url : urls) {
    const bool to_relay =
      relay && url == configured_route(inputs) && is_private_host(url_host(url));
    checks.push_back(to_relay ? relay_url_check(inputs, url) : public_url_check(inputs, url));
  }
  if (urls.empty() && summary != nullptr) {
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
