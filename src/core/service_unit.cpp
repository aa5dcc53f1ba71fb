// SPDX-License-Identifier: MIT
// The two service files are written out in full here, so their exact bytes are easy to
// review. The systemd unit carries only hardening that works in a user manager (systemd
// 252 applies these through seccomp with NoNewPrivileges, no privileges needed) and that
// a loopback HTTP relay gives nothing up for; options that need mount namespaces
// (ProtectSystem, PrivateTmp, ...) are left out, because a user manager without
// unprivileged user namespaces would refuse to start the unit at all.
#include "core/service_unit.hpp"

#include "util/log.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

// One word of a unit file line: specifiers (%) doubled, `$` doubled in ExecStart's
// arguments (which expand variables), and quoted when it holds a space, quote or backslash.
std::string
systemd_word(const std::string& word, bool exec_argument)
{
  std::string escaped;
  bool quote = word.empty();
  for (const char c : word) {
    quote = quote || c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\' || c == ';';
    if (c == '"' || c == '\\') {
      escaped += '\\';
    }
    escaped += c;
    if (c == '%' || (exec_argument && c == '$')) {
      escaped += c;
    }
  }
  return quote ? "\"" + escaped + "\"" : escaped;
}

std::string
xml_text(const std::string& text)
{
  std::string escaped;
  for (const char c : text) {
    switch (c) {
    case '&':
      escaped += "&amp;";
      break;
    case '<':
      escaped += "&lt;";
      break;
    case '>':
      escaped += "&gt;";
      break;
    default:
      escaped += c;
    }
  }
  return escaped;
}

std::string
systemd_unit(const RelayService& service)
{
  // The program's path is not searched for variables, only its arguments are.
  std::string exec = systemd_word(service.executable, false);
  for (const auto& argument : service.arguments) {
    exec += " " + systemd_word(argument, true);
  }
  const std::string environment =
    service.xdg_config_home
      ? "Environment=" + systemd_word("XDG_CONFIG_HOME=" + *service.xdg_config_home, false) + "\n"
      : "";
  return "# aigw-setup's local relay as a systemd user service. Written by `aigw-setup relay\n"
         "# install`; `aigw-setup relay uninstall` stops and removes it. No secret is in this\n"
         "# file: the relay reads relay.json and relay.key from its own folder.\n"
         "[Unit]\n"
         "Description=aigw-setup relay: the local endpoint of coding agents to the AI Gateway\n"
         "Documentation=man:aigw-setup(1)\n"
         "\n"
         "[Service]\n"
         "Type=simple\n"
         + environment + "ExecStart=" + exec + "\n"
         + "Restart=on-failure\n"
           "RestartSec=5\n"
           "UMask=0077\n"
           "NoNewPrivileges=yes\n"
           "LockPersonality=yes\n"
           "MemoryDenyWriteExecute=yes\n"
           "RestrictRealtime=yes\n"
           "RestrictSUIDSGID=yes\n"
           "RestrictNamespaces=yes\n"
           "SystemCallArchitectures=native\n"
           "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"
           "\n"
           "[Install]\n"
           "WantedBy=default.target\n";
}

// KeepAlive restarts the relay only when it did not exit cleanly, like Restart=on-failure.
std::string
launchd_plist(const RelayService& service)
{
  std::string arguments = "    <string>" + xml_text(service.executable) + "</string>\n";
  for (const auto& argument : service.arguments) {
    arguments += "    <string>" + xml_text(argument) + "</string>\n";
  }
  const std::string log = "  <string>" + xml_text(service.log_file.string()) + "</string>\n";
  return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                     "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                     "<!-- aigw-setup's local relay as a launchd agent. Written by `aigw-setup "
                     "relay install`;\n     `aigw-setup relay uninstall` stops and removes it. "
                     "No secret is in this file. -->\n"
                     "<plist version=\"1.0\">\n<dict>\n"
                     "  <key>Label</key>\n  <string>")
         + k_launchd_label + "</string>\n  <key>ProgramArguments</key>\n  <array>\n" + arguments
         + "  </array>\n"
           "  <key>RunAtLoad</key>\n  <true/>\n"
           "  <key>KeepAlive</key>\n  <dict>\n"
           "    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n"
           "  <key>StandardOutPath</key>\n" + log + "  <key>StandardErrorPath</key>\n" + log
         + "</dict>\n</plist>\n";
}

std::string
gui_domain(unsigned uid)
{
  return "gui/" + std::to_string(uid);
}

} // namespace

ServiceManager
default_service_manager(Platform platform)
{
  return platform == Platform::macos ? ServiceManager::launchd : ServiceManager::systemd;
}

std::string
to_string(ServiceManager manager)
{
  return manager == ServiceManager::launchd ? "launchd" : "systemd";
}

fs::path
service_file_path(ServiceManager manager, const fs::path& home,
                  const std::optional<std::string>& xdg_config_home)
{
  if (manager == ServiceManager::launchd) {
    return home / "Library/LaunchAgents" / (std::string(k_launchd_label) + ".plist");
  }
  const fs::path config = xdg_config_home ? fs::path(*xdg_config_home) : home / ".config";
  return config / "systemd/user" / k_systemd_unit;
}

std::string
service_file_text(ServiceManager manager, const RelayService& service)
{
  return manager == ServiceManager::launchd ? launchd_plist(service) : systemd_unit(service);
}

std::vector<ServiceStep>
start_steps(ServiceManager manager, const fs::path& file, config::WriteStatus status,
            unsigned uid)
{
  const bool changed = status == config::WriteStatus::changed;
  if (manager == ServiceManager::launchd) {
    // A loaded agent keeps its old definition until it is booted out.
    std::vector<ServiceStep> steps;
    if (status != config::WriteStatus::created) {
      steps.push_back({{"launchctl", "bootout", gui_domain(uid) + "/" + k_launchd_label}, true});
    }
    steps.push_back({{"launchctl", "bootstrap", gui_domain(uid), file.string()}});
    return steps;
  }
  std::vector<ServiceStep> steps{{{"systemctl", "--user", "daemon-reload"}},
                                 {{"systemctl", "--user", "enable", "--now", k_systemd_unit}}};
  if (changed) {
    steps.push_back({{"systemctl", "--user", "restart", k_systemd_unit}});
  }
  return steps;
}

std::vector<ServiceStep>
stop_steps(ServiceManager manager, unsigned uid)
{
  if (manager == ServiceManager::launchd) {
    return {{{"launchctl", "bootout", gui_domain(uid) + "/" + k_launchd_label}, true}};
  }
  return {{{"systemctl", "--user", "disable", "--now", k_systemd_unit}}};
}

std::vector<ServiceStep>
after_removal_steps(ServiceManager manager)
{
  if (manager == ServiceManager::launchd) {
    return {};
  }
  return {{{"systemctl", "--user", "daemon-reload"}}};
}

std::string
command_line(const std::vector<std::string>& argv)
{
  std::vector<std::string> words;
  for (const auto& word : argv) {
    words.push_back(util::shell_quote(word));
  }
  return util::join(words, " ");
}

util::Result<void>
run_steps(const std::vector<ServiceStep>& steps, const std::string& what)
{
  util::CaptureOptions capture;
  capture.capture_stderr = true;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string line = command_line(steps[i].argv);
    AIGW_INFO("running " << line);
    const auto result = util::run_capture(steps[i].argv, capture);
    if (result.exit_code == 0 || steps[i].may_fail) {
      continue;
    }
    std::string by_hand;
    for (std::size_t j = i; j < steps.size(); ++j) {
      by_hand += "\n  " + command_line(steps[j].argv);
    }
    const std::string cause = result.exit_code < 0 ? std::string("it could not be run")
                                                   : std::string(util::trim(result.err));
    return util::fail(util::ErrorKind::write,
                      what + ", but `" + line + "` failed: " + cause + "; run by hand:" + by_hand);
  }
  return {};
}

} // namespace aigw::core
