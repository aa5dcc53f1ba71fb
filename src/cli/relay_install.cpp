// SPDX-License-Identifier: MIT
// `relay install [--listen ADDR] [--offline] [--no-start]` writes the relay's service file
// through the safe writer (backup, atomic, 0644; a second run changes no byte) and then has
// the service manager start it. `relay uninstall` stops it and removes the file. The
// service manager is left alone in a dry run, with --no-start (--no-stop), and when --home
// names another home, whose user is not the one the manager runs for. When the manager
// fails the file is still in place, and the error (exit 5: the change could not be put in
// effect) prints the commands to run by hand.
#include "cli/relay_install.hpp"

#include <algorithm>

#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "cli/report.hpp"
#include "config/safe_writer.hpp"
#include "core/service_unit.hpp"
#include "net/relay_config.hpp"
#include "util/diff.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

struct ServiceOptions
{
  std::optional<std::string> listen;
  bool offline = false;
  bool leave_manager = false;            // --no-start, --no-stop
  std::optional<std::string> manager;    // hidden: systemd or launchd, for tests
  std::optional<std::string> executable; // hidden: the path ExecStart names, for tests
  CLI::App* install = nullptr;
  CLI::App* uninstall = nullptr;
};

// Where the file goes, for whom, and whether the manager is to be told.
struct ServiceTarget
{
  core::ServiceManager manager = core::ServiceManager::systemd;
  fs::path file;
  std::optional<std::string> xdg_config_home;
  bool run_manager = false;
  std::string why_not; // when not run_manager: the reason shown
};

std::string
why_manager_is_left_alone(const ServiceOptions& options, const Context& context)
{
  if (context.global.dry_run) {
    return "dry run";
  }
  if (options.leave_manager) {
    return options.install->parsed() ? "--no-start" : "--no-stop";
  }
  if (context.global.home) {
    return "--home names another home";
  }
  return "";
}

ServiceTarget
service_target(const ServiceOptions& options, const Context& context)
{
  ServiceTarget target;
  if (options.manager) {
    target.manager = *options.manager == "launchd" ? core::ServiceManager::launchd
                                                   : core::ServiceManager::systemd;
  } else if (core::host_platform() == core::Platform::windows) {
    throw util::Fatal(util::ErrorKind::usage, "relay install knows systemd and launchd only");
  } else {
    target.manager = core::default_service_manager(core::host_platform());
  }
  // With --home the files belong to that home alone, whatever this shell exports.
  if (!context.global.home && target.manager == core::ServiceManager::systemd) {
    target.xdg_config_home = context.env("XDG_CONFIG_HOME");
  }
  target.file = core::service_file_path(target.manager, context.paths.home,
                                        target.xdg_config_home);
  target.why_not = why_manager_is_left_alone(options, context);
  target.run_manager = target.why_not.empty();
  return target;
}

// A unit file is read line by line: a newline in a path would start a directive of its own.
void
refuse_control_characters(const core::RelayService& service)
{
  std::vector<std::string> words = service.arguments;
  words.insert(words.end(), {service.executable, service.log_file.string(),
                             service.xdg_config_home.value_or("")});
  for (const auto& word : words) {
    const bool control = std::any_of(word.begin(), word.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == '\x7f';
    });
    if (control) {
      throw util::Fatal(util::ErrorKind::usage,
                        "cannot write a service for a path or argument with a control character "
                        "(a newline, say) in it: \"" + util::printable(word) + "\"");
    }
  }
}

core::RelayService
relay_service(const ServiceOptions& options, const ServiceTarget& target,
              const Context& context)
{
  core::RelayService service;
  service.executable = options.executable.value_or(util::current_executable());
  service.arguments = {"relay"};
  if (options.listen) {
    const auto address = util::value_or_throw(net::parse_listen(*options.listen, "--listen"));
    service.arguments.insert(service.arguments.end(), {"--listen", net::to_string(address)});
  }
  if (options.offline) {
    service.arguments.push_back("--offline");
  }
  if (context.global.home) {
    service.arguments.insert(service.arguments.end(), {"--home", *context.global.home});
  }
  service.xdg_config_home = target.xdg_config_home;
  service.log_file = context.paths.tool_dir / "relay.log";
  refuse_control_characters(service);
  return service;
}

Json
commands_json(const std::vector<core::ServiceStep>& steps)
{
  Json list = Json::array();
  for (const auto& step : steps) {
    list.push_back(core::command_line(step.argv));
  }
  return list;
}

void
report(Context& context, const std::string& command, const ServiceTarget& target, Json file,
       const std::vector<core::ServiceStep>& steps)
{
  const std::string status = file["status"].get<std::string>();
  std::string line = "relay service (" + core::to_string(target.manager) + "): " + status + " "
                     + shown_path(context, target.file);
  if (file.contains("backup")) {
    line += " (backup " + shown_path(context, file["backup"].get<std::string>()) + ")";
  }
  if (context.global.dry_run) {
    context.out.line(file.value("diff", std::string()) + "dry run: nothing was written");
  } else {
    context.out.line(line);
  }
  if (!steps.empty()) {
    const std::string lead = target.run_manager ? "ran:" : "not run (" + target.why_not + "):";
    context.out.line(lead);
    for (const auto& step : steps) {
      context.out.line("  " + core::command_line(step.argv));
    }
  }
  context.out.document({{"command", command},
                        {"dry_run", context.global.dry_run},
                        {"service_manager", core::to_string(target.manager)},
                        {"file", file},
                        {"manager_run", target.run_manager},
                        {"commands", commands_json(steps)}});
}

config::WriteStatus
planned_status(const std::optional<std::string>& before, const std::string& text)
{
  return !before ? config::WriteStatus::created
         : *before == text ? config::WriteStatus::unchanged
                           : config::WriteStatus::changed;
}

Json
file_json(const ServiceTarget& target, config::WriteStatus status,
          const std::optional<fs::path>& backup, const std::string& diff)
{
  Json file{{"path", target.file.string()}, {"status", config::to_string(status)}};
  if (backup) {
    file["backup"] = backup->string();
  }
  if (!diff.empty()) {
    file["diff"] = diff;
  }
  return file;
}

ExitCode
run_install(const ServiceOptions& options, Context& context)
{
  const ServiceTarget target = service_target(options, context);
  const core::RelayService service = relay_service(options, target, context);
  const std::string text = core::service_file_text(target.manager, service);
  if (!options.offline && !fs::exists(net::relay_file_path(context.paths))) {
    AIGW_WARN("no " << net::relay_file_path(context.paths).string() << " yet: the relay will "
                    << "not know the gateway until `configure --auth relay` writes it");
  }

  const auto before = util::value_or_throw(util::read_file_if_exists(target.file));
  const std::string diff = util::unified_diff(before.value_or(""), text, target.file.string());
  if (context.global.dry_run) {
    const auto status = planned_status(before, text);
    const auto steps = core::start_steps(target.manager, target.file, status, getuid());
    report(context, "relay install", target, file_json(target, status, {}, diff), steps);
    return ExitCode::ok;
  }

  const auto lock = take_run_lock(context);
  // launchd opens the log files itself and does not make their folder.
  util::throw_on_error(util::create_directories(context.paths.tool_dir, 0700));
  const config::SafeWriter writer(context.paths.backup_dir());
  const auto outcome = util::value_or_throw(
    writer.write(target.file, text, config::Sensitivity::plain));
  if (outcome.status == config::WriteStatus::created) {
    std::error_code ignored; // the umask's mode is a fine second best
    fs::permissions(outcome.target, fs::perms(0644), ignored); // it holds no secret
  }
  const auto steps = core::start_steps(target.manager, target.file, outcome.status, getuid());
  if (target.run_manager) {
    util::throw_on_error(core::run_steps(steps, "wrote " + target.file.string()));
  }
  report(context, "relay install", target,
         file_json(target, outcome.status, outcome.backup, ""), steps);
  return ExitCode::ok;
}

void
report_absent(Context& context, const ServiceTarget& target)
{
  context.out.line("relay service (" + core::to_string(target.manager) + "): not installed, "
                   + "nothing at " + shown_path(context, target.file));
  context.out.document({{"command", "relay uninstall"},
                        {"dry_run", context.global.dry_run},
                        {"service_manager", core::to_string(target.manager)},
                        {"file", {{"path", target.file.string()}, {"status", "absent"}}},
                        {"manager_run", false},
                        {"commands", Json::array()}});
}

ExitCode
run_uninstall(const ServiceOptions& options, Context& context)
{
  const ServiceTarget target = service_target(options, context);
  const auto before = util::value_or_throw(util::read_file_if_exists(target.file));
  if (!before) {
    report_absent(context, target);
    return ExitCode::ok;
  }

  auto steps = core::stop_steps(target.manager, getuid());
  const auto after = core::after_removal_steps(target.manager);
  if (context.global.dry_run) {
    steps.insert(steps.end(), after.begin(), after.end());
    const std::string diff = util::unified_diff(*before, "", target.file.string());
    report(context, "relay uninstall", target,
           file_json(target, config::WriteStatus::removed, {}, diff), steps);
    return ExitCode::ok;
  }

  const auto lock = take_run_lock(context);
  if (target.run_manager) {
    util::throw_on_error(core::run_steps(
      steps, "could not stop the relay service, so " + target.file.string() + " is still there"));
  }
  const config::SafeWriter writer(context.paths.backup_dir());
  const auto outcome = util::value_or_throw(writer.remove(target.file));
  if (target.run_manager) {
    util::throw_on_error(core::run_steps(after, "removed " + target.file.string()));
  }
  steps.insert(steps.end(), after.begin(), after.end());
  report(context, "relay uninstall", target,
         file_json(target, outcome.status, outcome.backup, ""), steps);
  return ExitCode::ok;
}

void
add_hidden_options(CLI::App& command, ServiceOptions& options)
{
  command.add_option("--service-manager", options.manager, "systemd or launchd")
    ->check(CLI::IsMember({"systemd", "launchd"}))
    ->group("");
  command.add_option("--executable", options.executable, "the aigw-setup the service runs")
    ->group("");
}

} // namespace

RelayServiceRunner
setup_relay_service(CLI::App& relay)
{
  auto options = std::make_shared<ServiceOptions>();
  options->install = relay.add_subcommand(
    "install", "run the relay as a per-user service (systemd user unit or launchd agent)");
  options->install->add_option("--listen", options->listen,
                               std::string("loopback address (default: relay.json, else ")
                                 + net::k_default_listen + ")");
  options->install->add_flag("--offline", options->offline, "the service runs relay --offline");
  options->install->add_flag("--no-start", options->leave_manager,
                             "write the file only; do not enable or start the service");
  add_hidden_options(*options->install, *options);

  options->uninstall = relay.add_subcommand("uninstall", "stop the relay service, remove it");
  options->uninstall->add_flag("--no-stop", options->leave_manager,
                               "remove the file only; leave the service manager alone");
  add_hidden_options(*options->uninstall, *options);

  return [options](Context& context) -> std::optional<ExitCode> {
    if (options->install->parsed()) {
      return run_install(*options, context);
    }
    if (options->uninstall->parsed()) {
      return run_uninstall(*options, context);
    }
    return std::nullopt;
  };
}

} // namespace aigw::cli
