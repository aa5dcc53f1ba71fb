// SPDX-License-Identifier: MIT
// See takedown.hpp. relay.json goes through the safe writer like the agents' files (a backup
// first: someone may have added a traces table by hand); relay.key and credentials.json go
// without one, since a secret no agent uses any more would only be one more copy on disk.
// Nothing here asks the service manager anything: an installed service is found by its file
// and named, and `relay uninstall` stops it.
#include "cli/takedown.hpp"

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

enum class Secrecy { plain, secret };

// One file that goes: whose report names it, where it is, and whether its content is shown.
struct Removal
{
  std::string owner;
  fs::path path;
  Secrecy secrecy = Secrecy::plain;
};

// What `path` holds once `changes`, the run's own edits, are made; nothing when it is not
// there then. A real run has written them by now; a dry run has not, so its preview takes
// the text the change engine would have left, as the real run would find it.
std::optional<std::string>
content_after(const Context& context, const fs::path& path, const core::ChangeSet& changes)
{
  if (context.global.dry_run) {
    for (const auto& pending : changes.files) {
      if (pending.record.path == path) {
        return pending.after;
      }
    }
  }
  auto content = util::read_file_if_exists(path);
  if (!content || !content->has_value()) {
    return std::nullopt;
  }
  return std::move(**content);
}

// The report of one file that goes, or nothing when it is not there. In a dry run the diff
// shows what goes, a secret file's content as ***.
std::optional<core::FileReport>
describe_removal(const Context& context, const Removal& removal, const core::ChangeSet& changes)
{
  const auto content = content_after(context, removal.path, changes);
  if (!content) {
    return std::nullopt;
  }
  core::FileReport report{removal.owner, removal.path, config::WriteStatus::removed};
  if (context.global.dry_run) {
    const bool secret = removal.secrecy == Secrecy::secret;
    report.diff = util::unified_diff(secret ? "***\n" : *content, "", removal.path.string());
  }
  return report;
}

util::Result<void>
remove_file(const Context& context, const fs::path& path, Secrecy secrecy)
{
  if (secrecy == Secrecy::plain) {
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

// The report of `path` going, once it is gone (a dry run removes nothing); nothing when it
// was not there or could not be removed, which `takedown` then says.
std::optional<core::FileReport>
take_away(const Context& context, const Removal& removal, const core::ChangeSet& changes,
          Takedown& takedown)
{
  auto report = describe_removal(context, removal, changes);
  if (!report || context.global.dry_run) {
    return report;
  }
  if (auto removed = remove_file(context, removal.path, removal.secrecy); !removed) {
    takedown.errors.push_back(removed.error().message + ": delete it by hand");
    return std::nullopt;
  }
  return report;
}

void
take_away_relay_files(const Context& context, const core::ChangeSet& changes,
                      Takedown& takedown)
{
  const Removal files[] = {{"relay", net::relay_file_path(context.paths), Secrecy::plain},
                           {"relay", net::default_key_file(context.paths), Secrecy::secret}};
  for (const auto& removal : files) {
    if (auto report = take_away(context, removal, changes, takedown)) {
      takedown.relay_files.push_back(std::move(*report));
    }
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

// What `command` does to a file it takes away, as a dry run or for real.
std::string
removal(const Context& context, const std::string& command)
{
  return command + (context.global.dry_run ? " would remove" : " removed");
}

// An installed service restarts the relay at every login, and it would find neither file.
void
warn_about_service(const Context& context, const std::string& command, Takedown& takedown)
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
    takedown.relay_warnings.push_back(
      "the relay service " + shown_path(context, file) + " is still installed, and the relay "
      "it runs reads relay.json and relay.key, which " + removal(context, command)
      + ": stop it and remove it with `" + uninstall_command(context) + "`");
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
                 LastUsers gone, const std::string& command, Takedown& takedown)
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
  if (gone.credential) {
    text += " while a credential is kept (this " + removal(context, command) + " it)";
  } else {
    text += " with the kept credential";
  }
  takedown.relay_warnings.push_back(text
                                    + "; delete that folder if that telemetry is not wanted");
}

// What is left once the records `owner` keeps for `agents` are taken back.
core::Manifest
without(core::Manifest manifest, const std::vector<std::string>& agents,
        const std::string& owner)
{
  for (const auto& agent : agents) {
    manifest.summaries(owner).erase(agent);
  }
  return manifest;
}

void
take_down_relay(const Context& context, LastUsers gone, const std::string& command,
                const core::ChangeSet& changes, Takedown& takedown)
{
  takedown.relay_released = true;
  // Read before relay.json goes: the workspace is what `relay flush` needs to be told.
  const auto settings = net::load_relay_file(net::relay_file_path(context.paths));
  const auto workspace = settings && *settings ? (*settings)->routes.workspace : std::nullopt;

  take_away_relay_files(context, changes, takedown);
  warn_about_service(context, command, takedown);
  warn_about_spool(context, workspace, gone, command, takedown);
}

} // namespace

LastUsers
last_users(const core::Manifest& manifest, const std::vector<std::string>& agents,
           const std::string& owner)
{
  const core::Manifest after = without(manifest, agents, owner);
  return {through_relay(manifest) && !through_relay(after),
          after.agents.empty() && after.telemetry.empty()};
}

Takedown
take_down(const Context& context, LastUsers gone, const std::string& command,
          const core::ChangeSet& changes)
{
  Takedown takedown;
  if (gone.relay) {
    take_down_relay(context, gone, command, changes, takedown);
  }
  // Telemetry's headers helper asks `aigw-setup token` for it until disabled.
  if (gone.credential) {
    const Removal credential{"credential", context.paths.credentials_file(), Secrecy::secret};
    takedown.credential = take_away(context, credential, changes, takedown);
  }
  return takedown;
}

} // namespace aigw::cli
