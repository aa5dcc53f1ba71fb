// SPDX-License-Identifier: MIT
// See unconfigure_relay.hpp. relay.json goes through the safe writer like the agents' files
// (a backup first: someone may have added a traces table by hand); relay.key goes without
// one, since the key is of no use once no agent holds it and a copy would only be one more
// secret on disk. Nothing here asks the service manager anything: an installed service is
// found by its file and named, and `relay uninstall` stops it.
#include "cli/unconfigure_relay.hpp"

#include <algorithm>

#include "cli/report.hpp"
#include "config/safe_writer.hpp"
#include "core/service_unit.hpp"
#include "net/relay_config.hpp"
#include "util/diff.hpp"
#include "util/fs.hpp"

namespace aigw::cli {

namespace {

namespace fs = std::filesystem;

bool
through_relay(const core::Manifest& manifest)
{
  const auto uses = [](const auto& summaries, const char* key) {
    return std::any_of(summaries.begin(), summaries.end(), [key](const auto& entry) {
      return entry.second.value(key, std::string()) == "relay";
    });
  };
  return uses(manifest.agents, "auth") || uses(manifest.telemetry, "credential");
}

// The report of one relay file that goes, or nothing when it is not there. In a dry run
// the diff shows what goes, the key as ***.
std::optional<core::FileReport>
describe_removal(const Context& context, const fs::path& path, bool secret)
{
  const auto content = util::read_file_if_exists(path);
  if (!content || !content->has_value()) {
    return std::nullopt;
  }
  core::FileReport report{"relay", path, config::WriteStatus::removed};
  if (context.global.dry_run) {
    report.diff = util::unified_diff(secret ? "***\n" : **content, "", path.string());
  }
  return report;
}

util::Result<void>
remove_relay_file(const Context& context, const fs::path& path, bool secret)
{
  if (!secret) {
    const config::SafeWriter writer(context.paths.backup_dir());
    AIGW_TRY(writer.remove(path));
    return {};
  }
  std::error_code error;
  if (!fs::remove(path, error) && error) {
    return util::fail(util::ErrorKind::write,
                      "cannot remove " + path.string() + ": " + error.message());
  }
  return {};
}

void
take_away_files(const Context& context, RelayTakedown& takedown)
{
  const std::pair<fs::path, bool> files[] = {{net::relay_file_path(context.paths), false},
                                             {net::default_key_file(context.paths), true}};
  for (const auto& [path, secret] : files) {
    auto report = describe_removal(context, path, secret);
    if (!report) {
      continue;
    }
    if (!context.global.dry_run) {
      if (auto removed = remove_relay_file(context, path, secret); !removed) {
        takedown.errors.push_back(removed.error().message + ": delete it by hand");
        continue;
      }
    }
    takedown.files.push_back(std::move(*report));
  }
}

// `aigw-setup relay uninstall`, with the --home this run was given.
std::string
uninstall_command(const Context& context)
{
  std::string command = "aigw-setup";
  if (context.global.home) {
    command += " --home " + *context.global.home;
  }
  return command + " relay uninstall";
}

// An installed service restarts the relay at every login, and it would find neither file.
void
warn_about_service(const Context& context, RelayTakedown& takedown)
{
  const auto xdg = context.global.home ? std::nullopt : context.env("XDG_CONFIG_HOME");
  const fs::path candidates[] = {
    core::service_file_path(core::ServiceManager::systemd, context.paths.home, xdg),
    core::service_file_path(core::ServiceManager::launchd, context.paths.home, std::nullopt)};
  for (const auto& file : candidates) {
    std::error_code error;
    if (!fs::exists(file, error)) {
      continue;
    }
    takedown.warnings.push_back(
      "the relay service " + shown_path(context, file) + " is still installed, and the relay "
      "it runs reads relay.json and relay.key, which unconfigure "
      + (context.global.dry_run ? "would remove" : "removed") + ": stop it and remove it with `"
      + uninstall_command(context) + "`");
  }
}

int
spooled_records(const fs::path& dir)
{
  std::error_code error;
  int count = 0;
  for (const auto& item : fs::directory_iterator(dir, error)) {
    if (item.path().extension() == ".otlp") {
      ++count;
    }
  }
  return count;
}

// Exports not yet delivered are telemetry the workspace has not got: never deleted here.
void
warn_about_spool(const Context& context, const std::optional<std::string>& workspace,
                 bool credential_goes, RelayTakedown& takedown)
{
  const fs::path dir = context.paths.tool_dir / "spool";
  const int count = spooled_records(dir);
  if (count == 0) {
    return;
  }
  std::string text = "the relay's spool " + shown_path(context, dir) + " still holds "
                     + std::to_string(count) + " OTel export" + (count == 1 ? "" : "s")
                     + " not yet delivered, and is left as it is: `aigw-setup relay flush "
                       "--workspace " + workspace.value_or("URL") + "` delivers the spool";
  if (credential_goes) {
    text += std::string(" while a credential is kept (this unconfigure ")
            + (context.global.dry_run ? "would remove" : "removed") + " it)";
  } else {
    text += " with the kept credential";
  }
  takedown.warnings.push_back(text + "; delete that folder if that telemetry is not wanted");
}

} // namespace

bool
releases_relay(const core::Manifest& manifest, const std::vector<std::string>& agents)
{
  core::Manifest after = manifest;
  for (const auto& agent : agents) {
    after.agents.erase(agent);
  }
  return through_relay(manifest) && !through_relay(after);
}

RelayTakedown
take_down_relay(const Context& context, bool credential_goes)
{
  RelayTakedown takedown;
  takedown.taken_down = true;
  // Read before relay.json goes: the workspace is what `relay flush` needs to be told.
  const auto settings = net::load_relay_file(net::relay_file_path(context.paths));
  const auto workspace = settings && *settings ? (*settings)->routes.workspace : std::nullopt;

  take_away_files(context, takedown);
  warn_about_service(context, takedown);
  warn_about_spool(context, workspace, credential_goes, takedown);
  return takedown;
}

} // namespace aigw::cli
