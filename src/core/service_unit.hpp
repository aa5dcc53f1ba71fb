// SPDX-License-Identifier: MIT
// The relay as a per-user service: the text of the systemd user unit and of the launchd
// agent, where each lives, and the service-manager commands that start and stop it. No
// secret goes into either file: the relay reads relay.json and relay.key itself.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/safe_writer.hpp"
#include "core/paths.hpp"
#include "util/error.hpp"

namespace aigw::core {

enum class ServiceManager { systemd, launchd };

inline constexpr const char* k_systemd_unit = "aigw-setup-relay.service";
inline constexpr const char* k_launchd_label = "org.aigw-setup.relay";

struct RelayService
{
  std::string executable;                     // absolute path of aigw-setup
  std::vector<std::string> arguments;         // after it: relay --listen ...
  std::optional<std::string> xdg_config_home; // passed on, so the relay finds its files
  fs::path log_file;                          // launchd: stdout and stderr go here
};

// A command to run, and whether its failure is expected and harmless (stopping a service
// that is not loaded).
struct ServiceStep
{
  std::vector<std::string> argv;
  bool may_fail = false;
};

// launchd on macOS, systemd elsewhere.
ServiceManager default_service_manager(Platform platform);

std::string to_string(ServiceManager manager);

// Where the service file goes: <config>/systemd/user/aigw-setup-relay.service, where
// <config> is `xdg_config_home` or <home>/.config; or <home>/Library/LaunchAgents/<label>.plist.
fs::path service_file_path(ServiceManager manager, const fs::path& home,
                           const std::optional<std::string>& xdg_config_home);

// The whole file for `manager`.
std::string service_file_text(ServiceManager manager, const RelayService& service);

// What starts the service after its file was written with `status`: a changed file also
// restarts a relay that runs.
std::vector<ServiceStep> start_steps(ServiceManager manager, const fs::path& file,
                                     config::WriteStatus status, unsigned uid);

// What stops and disables the service before its file is removed.
std::vector<ServiceStep> stop_steps(ServiceManager manager, unsigned uid);

// What tells the manager the file is gone.
std::vector<ServiceStep> after_removal_steps(ServiceManager manager);

// `argv` as one line a person can paste into a shell.
std::string command_line(const std::vector<std::string>& argv);

// Run `steps` in order. The first that fails (and may not) is an error of kind `write`: the
// change is not in effect. Its message starts with `what` and lists, from the failed one on,
// every command still to be run by hand.
util::Result<void> run_steps(const std::vector<ServiceStep>& steps, const std::string& what);

} // namespace aigw::core
