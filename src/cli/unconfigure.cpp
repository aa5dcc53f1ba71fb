// SPDX-License-Identifier: MIT
// `unconfigure [AGENT...]`: take back what configure wrote, through the change engine.
// When no agent is left configured, the stored credential goes too; when no agent goes
// through the relay any more, the relay's settings and key go (cli/takedown.cpp).
// With --managed it takes back the system-wide files instead, from the system manifest
// (cli/managed.cpp).
#include <algorithm>
#include <iterator>
#include <memory>

#include "cli/commands.hpp"
#include "cli/managed.hpp"
#include "cli/report.hpp"
#include "cli/takedown.hpp"
#include "core/agents.hpp"
#include "core/changes.hpp"
#include "core/credentials.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

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
  if (!text.empty()) {
    context.out.line(text);
  }
  context.out.document({{"command", "unconfigure"}, {"agents", nlohmann::json::array()}});
}

// The named agents that configure set up; each of the others is said to have nothing to take
// back, where before the command printed nothing at all for it.
std::vector<std::string>
only_configured(const std::vector<std::string>& named, const core::Manifest& manifest,
                Context& context)
{
  std::vector<std::string> configured;
  for (const auto& agent : named) {
    if (manifest.agents.contains(agent)) {
      configured.push_back(agent);
    } else {
      context.out.line(agent + ": not configured, nothing to take back");
    }
  }
  return configured;
}

// A file that no longer parses stops the whole run, with nothing changed. Say how to take
// back the other agents without it, and where its bytes from before the tool are kept.
util::Error
with_way_out(util::Error error, const core::Manifest& manifest,
             const std::vector<std::string>& agents, const Context& context)
{
  const auto broken = std::find_if(
    manifest.files.begin(), manifest.files.end(), [&](const core::FileRecord& record) {
      return error.message.starts_with(record.path.string() + ":");
    });
  if (error.kind != util::ErrorKind::parse || broken == manifest.files.end()) {
    return error;
  }

  std::vector<std::string> others;
  std::copy_if(agents.begin(), agents.end(), std::back_inserter(others),
               [&](const std::string& agent) { return agent != broken->agent; });
  error.message += "; fix the file and run this again";
  if (!others.empty()) {
    const auto home = context.global.home
                        ? std::optional<std::filesystem::path>(*context.global.home)
                        : std::nullopt;
    error.message += ", or take back the others alone: `" + core::aigw_invocation(home)
                     + " unconfigure " + util::join(others, " ") + "`";
  }
  if (broken->pristine_backup) {
    error.message += "; the file as it was before aigw-setup changed it is in "
                     + broken->pristine_backup->string();
  }
  return error;
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
  print_unconfigure_report(context, undo.agents, undo.files, Takedown{});
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
  const bool named = !options.all && !options.agents.empty();
  const std::vector<std::string> agents = named
                                            ? only_configured(options.agents, manifest, context)
                                            : configured_agents(manifest);
  if (agents.empty()) {
    report_nothing(context, named ? "" : "nothing is configured");
    return ExitCode::ok;
  }

  const LastUsers gone = last_users(manifest, agents, core::k_owner_configure);
  auto planned = core::plan_unconfigure(agents, manifest);
  if (!planned) {
    throw util::Fatal(with_way_out(planned.error(), manifest, agents, context));
  }
  auto changes = std::move(*planned);
  const config::SafeWriter writer(context.paths.backup_dir());
  const auto dry_run = context.global.dry_run ? core::DryRun::yes : core::DryRun::no;
  const util::DeferredSignals deferred;
  const auto save = [&](const core::Manifest& state) {
    return core::save_manifest(context.paths, writer, state);
  };
  auto reports =
    util::value_or_throw(core::apply_changes(changes, manifest, writer, dry_run, save));

  const Takedown takedown = take_down(context, gone, "unconfigure", changes);
  if (dry_run == core::DryRun::no && gone.credential) {
    warn_about_backups(context);
  }
  print_unconfigure_report(context, agents, reports, takedown);
  throw_if_interrupted(deferred);
  if (!takedown.errors.empty()) {
    throw util::Fatal(util::ErrorKind::write, takedown.errors.front());
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
