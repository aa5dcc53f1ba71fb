// SPDX-License-Identifier: MIT
// `doctor [--fix] [--no-network] [--project DIR]`: every local check (core/doctor*.cpp),
// then the round trips of `test` as the network group, printed per group as
// `PASS|WARN|FAIL  <cause>` with `      fix: <remedy>` under each warning and failure and a
// last line `N passed, N warnings, N failed`; or one JSON document with --json. Exit 1
// when a check failed. --fix takes the run lock, makes the repairs the checks offer
// through the change engine, says what it changed, and checks again; with --dry-run it
// prints the diffs instead and writes nothing.
#include <algorithm>
#include <filesystem>
#include <memory>

#include "cli/commands.hpp"
#include "config/file_lock.hpp"
#include "core/agents.hpp"
#include "core/doctor.hpp"
#include "core/round_trip_targets.hpp"
#include "util/process.hpp"
#include "util/signals.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr auto k_version_timeout = std::chrono::seconds(5);

struct DoctorOptions
{
  bool fix = false;
  bool no_network = false;
  std::optional<std::string> project;
  std::vector<std::string> skip; // check ids the user has decided to accept
};

// Leave out the checks named with --skip, each said once so a skip is never silent.
void
drop_skipped(Context& context, const DoctorOptions& options, std::vector<core::Check>& checks)
{
  const auto skipped = [&options](const core::Check& check) {
    return std::find(options.skip.begin(), options.skip.end(), check.id) != options.skip.end();
  };
  for (const auto& check : checks) {
    if (skipped(check)) {
      context.out.line("skipped " + check.id + " (--skip)");
    }
  }
  checks.erase(std::remove_if(checks.begin(), checks.end(), skipped), checks.end());
}

core::DoctorInputs
inputs_for(const DoctorOptions& options, const Context& context, core::InstalledVersions versions)
{
  core::DoctorInputs inputs;
  inputs.paths = context.paths;
  inputs.env = core::process_environment();
  inputs.manifest = util::value_or_throw(core::load_manifest(context.paths.state_file()));
  inputs.versions = std::move(versions);
  inputs.project = std::filesystem::absolute(options.project.value_or(".")).lexically_normal();
  if (!inputs.project.has_filename()) {
    inputs.project = inputs.project.parent_path(); // "dir/." normalises to "dir/"
  }
  inputs.now = std::chrono::system_clock::now();
  inputs.self_executable = util::current_executable();
  if (context.global.home) {
    inputs.explicit_home = context.paths.home;
  }
  return inputs;
}

core::Check
network_problem(core::Level level, std::string cause, std::string remedy)
{
  return core::Check{"network", "network.round_trips", level, std::move(cause),
                     std::move(remedy), {}};
}

// The round trips `test` makes with no options, as checks of the network group.
std::vector<core::Check>
round_trip_checks(Context& context)
{
  core::RouteSelection selection;
  selection.env_workspace = context.env("DATABRICKS_HOST");
  const auto state = core::load_configured_state(context.paths, context.env);
  if (!state) {
    return {network_problem(core::Level::fail, state.error().message,
                            "correct or move that file, then run doctor again")};
  }
  const auto plan = core::plan_round_trips(selection, *state);
  if (!plan) {
    // test's own wording names its options; doctor has none of them.
    return {network_problem(core::Level::warn,
                            "no round trip to make: no agent is configured here",
                            "run aigw-setup init (or configure) first, or doctor --no-network")};
  }
  const auto http = net::make_curl_client();
  // Remedies name --home as doctor was given it, so that copying one changes this home.
  const auto home = context.global.home ? std::optional(context.paths.home) : std::nullopt;
  const core::RoundTripEnv env{context.env, {}, core::aigw_invocation(home)};
  std::vector<core::RouteOutcome> outcomes;
  for (const auto& result : core::run_round_trips(plan->targets, *http, env)) {
    outcomes.push_back({core::to_string(result.kind), result.url,
                        core::to_string(result.verdict), result.cause, result.remedy,
                        result.date_header, result.received_at});
  }
  return core::network_checks(outcomes);
}

std::string
label(core::Level level)
{
  return level == core::Level::pass ? "PASS" : level == core::Level::warn ? "WARN" : "FAIL";
}

void
print_checks(Context& context, const std::vector<core::Check>& checks)
{
  std::string group;
  for (const auto& check : checks) {
    if (check.group != group) {
      if (!group.empty()) {
        context.out.line("");
      }
      group = check.group;
      context.out.line(group);
    }
    context.out.line(label(check.level) + "  " + check.cause);
    if (check.level != core::Level::pass) {
      context.out.line("      fix: " + check.remedy);
    }
  }
  if (!checks.empty()) {
    context.out.line("");
  }
  context.out.line(core::summary_line(core::tally(checks)));
}

Json
checks_json(const std::vector<core::Check>& checks)
{
  Json list = Json::array();
  for (const auto& check : checks) {
    list.push_back({{"group", check.group},
                    {"id", check.id},
                    {"level", core::to_string(check.level)},
                    {"cause", check.cause},
                    {"remedy", check.remedy},
                    {"fixable", check.repair.has_value()}});
  }
  return list;
}

void
print_fix(Context& context, const core::FixOutcome& outcome)
{
  const bool dry_run = context.global.dry_run;
  for (const auto& report : outcome.files) {
    if (dry_run && !report.diff.empty()) {
      context.out.line(report.diff);
    }
  }
  for (const auto& line : outcome.changed) {
    context.out.line((dry_run ? "would fix: " : "fixed: ") + line);
  }
  for (const auto& line : outcome.skipped) {
    context.out.line("not fixed: " + line);
  }
  if (outcome.changed.empty() && outcome.skipped.empty()) {
    context.out.line("nothing that doctor --fix can repair");
  }
  context.out.line("");
}

Json
fix_json(const core::FixOutcome& outcome, bool dry_run)
{
  Json files = Json::array();
  for (const auto& report : outcome.files) {
    Json file{{"path", report.path.string()}, {"status", config::to_string(report.status)}};
    if (report.backup) {
      file["backup"] = report.backup->string();
    }
    if (dry_run) {
      file["diff"] = report.diff;
    }
    files.push_back(file);
  }
  return {{"changed", outcome.changed}, {"skipped", outcome.skipped}, {"files", files}};
}

// Make the repairs (or, in a dry run, show their diffs) under the run lock, with signals
// held off while files are written.
Json
fix(Context& context, const std::vector<core::Check>& checks, const core::DoctorInputs& inputs)
{
  const bool dry_run = context.global.dry_run;
  const auto lock = take_run_lock(context);
  const util::DeferredSignals deferred;
  const auto outcome = util::value_or_throw(
    core::apply_repairs(checks, inputs, dry_run ? core::DryRun::yes : core::DryRun::no));
  throw_if_interrupted(deferred);
  print_fix(context, outcome);
  return fix_json(outcome, dry_run);
}

ExitCode
run_doctor(const DoctorOptions& options, Context& context)
{
  const auto path = context.env("PATH").value_or("");
  auto inputs = inputs_for(options, context, core::probe_versions(path, k_version_timeout));
  auto checks = core::local_checks(inputs);

  Json fixed;
  if (options.fix) {
    fixed = fix(context, checks, inputs);
    if (!context.global.dry_run) {
      inputs = inputs_for(options, context, inputs.versions);
      checks = core::local_checks(inputs);
    }
  }
  if (!options.no_network) {
    auto network = round_trip_checks(context);
    checks.insert(checks.end(), network.begin(), network.end());
  }

  drop_skipped(context, options, checks);
  print_checks(context, checks);
  const auto counts = core::tally(checks);
  Json document{{"command", "doctor"}};
  document["skipped"] = options.skip;
  if (options.fix) {
    document["dry_run"] = context.global.dry_run;
    document["fixed"] = fixed;
  }
  document["checks"] = checks_json(checks);
  document["passed"] = counts.passed;
  document["warnings"] = counts.warnings;
  document["failed"] = counts.failed;
  context.out.document(document);
  return counts.failed == 0 ? ExitCode::ok : ExitCode::failed;
}

} // namespace

CommandRunner
setup_doctor(CLI::App& command)
{
  auto options = std::make_shared<DoctorOptions>();
  command.add_flag("--fix", options->fix,
                   "repair what is certainly safe to repair, and say what changed");
  command.add_flag("--no-network", options->no_network, "skip the round trips to the gateway");
  command.add_option("--skip", options->skip,
                     "leave out the check with this id (repeat; ids in docs/doctor.md)");
  command.add_option("--project", options->project,
                     "the folder the agents run in, for project files and Gemini's folder "
                     "trust (default: this folder)");
  command.footer("\nExamples:\n"
                 "  aigw-setup doctor\n"
                 "  aigw-setup doctor --no-network --project ~/src/app\n"
                 "  aigw-setup --dry-run doctor --fix\n");
  return [options](Context& context) { return run_doctor(*options, context); };
}

} // namespace aigw::cli
