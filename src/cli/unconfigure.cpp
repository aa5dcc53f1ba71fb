// SPDX-License-Identifier: MIT
// `unconfigure [AGENT...]`: take back what configure wrote, through the change engine.
// When no agent is left configured, the stored credential goes too; when no agent goes
// through the relay any more, the relay's settings and key go (cli/unconfigure_relay.cpp).
// With --managed it takes back the system-wide files instead, from the system manifest
// (cli/managed.cpp).
#include <algorithm>
#include <memory>

#include "cli/commands.hpp"
#include "cli/managed.hpp"
#include "cli/report.hpp"
#include "cli/unconfigure_relay.hpp"
#include "core/agents.hpp"
#include "core/changes.hpp"
#include "core/credentials.hpp"
#include "util/log.hpp"

namespace aigw::cli {

namespace {

struct UnconfigureOptions
{
  std::vector<std::string> agents;
  bool all = false;
  bool managed = false; // what configure --managed wrote system-wide
};

std::vector<std::string>
configured_agents(const core::Manifest& manifest)
{
  std::vector<std::string> agents;
  for (const auto& [agent, summary] : manifest.agents) {
    agents.push_back(agent);
  }
  return agents;
}

void
report_nothing(Context& context, const std::string& text)
{
  context.out.line(text);
  context.out.document({{"command", "unconfigure"}, {"agents", nlohmann::json::array()}});
}

// Whether no agent is left configured and no telemetry enabled once `agents` are taken
// back (in a dry run `manifest` still names them).
bool
nothing_left(const core::Manifest& manifest, const std::vector<std::string>& agents)
{
  return manifest.telemetry.empty()
         && std::all_of(manifest.agents.begin(), manifest.agents.end(), [&](const auto& entry) {
              return std::find(agents.begin(), agents.end(), entry.first) != agents.end();
            });
}

// The backups stay, so that a change can still be undone by hand; a person taking the tool
// off the machine should know that earlier versions of secret files are among them.
void
warn_about_backups(const Context& context)
{
  std::error_code error;
  const auto dir = context.paths.backup_dir();
  if (std::filesystem::is_directory(dir, error) && !std::filesystem::is_empty(dir, error)) {
    AIGW_WARN("the backups in " << dir.string()
                                << " keep earlier versions of the files configure changed, "
                                   "some with the token (mode 0600): delete that folder when "
                                   "you no longer need them");
  }
}

ExitCode
run_unconfigure_managed(const UnconfigureOptions& options, Context& context)
{
  const util::DeferredSignals deferred;
  const auto undo =
    unconfigure_managed(context, options.all ? std::vector<std::string>{} : options.agents);
  if (undo.agents.empty()) {
    report_nothing(context, "nothing is configured system-wide");
    return ExitCode::ok;
  }
  print_unconfigure_report(context, undo.agents, undo.files, RelayTakedown{});
  throw_if_interrupted(deferred);
  return ExitCode::ok;
}

ExitCode
run_unconfigure(const UnconfigureOptions& options, Context& context)
{
  if (options.managed) {
    return run_unconfigure_managed(options, context);
  }
  auto manifest = util::value_or_throw(core::load_manifest(context.paths.state_file()));
  std::vector<std::string> agents = options.agents;
  if (options.all || agents.empty()) {
    agents = configured_agents(manifest);
  }
  if (agents.empty()) {
    report_nothing(context, "nothing is configured");
    return ExitCode::ok;
  }

  const bool relay_released = releases_relay(manifest, agents);
  auto changes = util::value_or_throw(core::plan_unconfigure(agents, manifest));
  const config::SafeWriter writer(context.paths.backup_dir());
  const auto dry_run = context.global.dry_run ? core::DryRun::yes : core::DryRun::no;
  const util::DeferredSignals deferred;
  const auto save = [&](const core::Manifest& state) {
    return core::save_manifest(context.paths, writer, state);
  };
  auto reports =
    util::value_or_throw(core::apply_changes(changes, manifest, writer, dry_run, save));

  // Telemetry's headers helper still asks `aigw-setup token` for it until disabled.
  const bool credential_goes = nothing_left(manifest, agents);
  const RelayTakedown relay =
    relay_released ? take_down_relay(context, credential_goes) : RelayTakedown{};
  if (dry_run == core::DryRun::no && credential_goes) {
    std::error_code error;
    std::filesystem::remove(context.paths.credentials_file(), error);
    warn_about_backups(context);
  }
  print_unconfigure_report(context, agents, reports, relay);
  throw_if_interrupted(deferred);
  if (!relay.errors.empty()) {
    throw util::Fatal(util::ErrorKind::write, relay.errors.front());
  }
  return ExitCode::ok;
}

} // namespace

CommandRunner
setup_unconfigure(CLI::App& command)
{
  auto options = std::make_shared<UnconfigureOptions>();
  command.add_option("agents", options->agents, "claude, codex, gemini, cursor (default: all)")
    ->check(CLI::IsMember(core::k_agents));
  command.add_flag("--all", options->all, "every configured agent");
  command.add_flag("--managed", options->managed,
                   "take back what configure --managed wrote system-wide (as root)");
  return [options](Context& context) { return run_unconfigure(*options, context); };
}

} // namespace aigw::cli
