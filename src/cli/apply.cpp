// SPDX-License-Identifier: MIT
// `apply -f FILE`: fleet rollout. The rollout file is read and checked in full first (any
// mistake stops the run before a file is touched); then it becomes the same options that
// `configure` takes, the change engine writes every agent's files in one run, and the report
// says per file created, changed or unchanged and per step ok, failed or skipped. With
// `managed: true` the configure step writes the system-wide files instead (cli/managed.cpp),
// and `telemetry.enable` runs what `telemetry enable` runs. It never asks anything: every
// input is in the file or the environment. The schema is in docs/apply.md; the file is
// parsed in core/rollout.cpp, mapped to configure's and telemetry's options in
// apply_options.cpp, and reported in apply_report.cpp.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/apply_options.hpp"
#include "cli/apply_report.hpp"
#include "cli/commands.hpp"
#include "cli/configure_request.hpp"
#include "cli/managed.hpp"
#include "cli/telemetry.hpp"
#include "core/managed.hpp"
#include "core/rollout.hpp"
#include "util/log.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

struct ApplyOptions
{
  std::filesystem::path file;
};

std::string
parse_message(const core::Rollout& rollout)
{
  std::string message = "version " + std::to_string(rollout.version) + ", agents "
                        + util::join(core::agent_names(rollout), " ");
  for (const auto& source : rollout.from_environment) {
    message += "; " + source;
  }
  return message;
}

std::string
telemetry_message(const TelemetryEnableResult& done)
{
  std::vector<std::string> agents;
  for (const auto& plan : done.plans) {
    agents.push_back(plan.agent);
  }
  const auto& summary = done.plans.front().summary;
  return "agents " + util::join(agents, " ") + ", tables "
         + summary.value("metrics_table", std::string()) + " and "
         + summary.value("logs_table", std::string()) + "; " + files_message(done.files);
}

// One plan per agent, each with the extra headers the file gives that agent.
std::vector<core::AgentPlan>
plan_agents(const core::Rollout& rollout, const core::ConfigureRequest& request,
            const Context& context)
{
  std::vector<core::AgentPlan> plans;
  for (const auto& agent : rollout.agents) {
    core::ConfigureRequest own = request;
    own.extra_headers = agent.headers;
    plans.push_back(util::value_or_throw(
      rollout.managed ? core::plan_managed(agent.name, own, context.paths)
                      : core::plan_agent(agent.name, own, context.paths)));
  }
  return plans;
}

// The agents' notes and warnings, once their files are written (a failed run has none).
void
collect_notes(const std::vector<core::AgentPlan>& plans, ApplyReport& report)
{
  for (const auto& plan : plans) {
    for (const auto& warning : plan.warnings) {
      AIGW_WARN(plan.agent << ": " << warning);
      report.warnings.push_back({plan.agent, warning});
    }
    for (const auto& note : plan.notes) {
      report.notes.push_back({plan.agent, note});
    }
  }
}

bool
has_agent(const core::Rollout& rollout, const std::string& name)
{
  const auto names = core::agent_names(rollout);
  return std::find(names.begin(), names.end(), name) != names.end();
}

// One configure run for every agent of the file (with `managed: true`, their system-wide
// files); returns the relay's URL when the agents talk to the relay.
std::optional<std::string>
configure_agents(const core::Rollout& rollout, const ConfigureOptions& configure,
                 Context& context, ApplyReport& report)
{
  auto relay_key = relay_key_report(configure, context); // before the request makes the key
  const auto request = build_request(configure, context, has_agent(rollout, "codex"));
  auto plans = plan_agents(rollout, request, context);
  ConfigureWrites writes;
  if (rollout.managed) {
    writes.files = write_managed(context, plans, configure.auth);
  } else {
    writes = write_configuration(configure, context, request, plans, std::move(relay_key));
  }
  collect_notes(plans, report);
  report.steps.push_back({"configure", "ok", files_message(writes.files)});
  for (auto& file : writes.files) {
    report.files.push_back({"configure", std::move(file)});
  }
  if (writes.relay.empty()) {
    return std::nullopt;
  }
  for (auto& file : writes.relay) {
    report.files.push_back({"relay", std::move(file)});
  }
  return request.routes.gateway;
}

// What `telemetry enable` runs, for the agents and tables of the telemetry section.
void
enable_rollout_telemetry(const core::Rollout& rollout, Context& context, ApplyReport& report)
{
  auto done = enable_telemetry(telemetry_options(rollout), context);
  collect_notes(done.plans, report);
  report.steps.push_back({"telemetry", "ok", telemetry_message(done)});
  for (auto& file : done.files) {
    report.files.push_back({"telemetry", std::move(file)});
  }
}

ExitCode
run_apply(const ApplyOptions& options, Context& context)
{
  ApplyReport report{options.file};
  ApplyInputs inputs;
  run_apply_step(context, report, "parse", [&] {
    inputs = read_apply_inputs(options.file, context);
    report.steps.push_back({"parse", "ok", parse_message(inputs.rollout)});
  });
  const core::Rollout& rollout = inputs.rollout;

  const util::DeferredSignals deferred;
  std::optional<std::string> relay_url;
  run_apply_step(context, report, "configure", [&] {
    relay_url = configure_agents(rollout, inputs.configure, context, report);
  });
  if (relay_url) {
    report.steps.push_back(
      {"relay", "ok",
       "the agents use the relay at " + *relay_url + "; keep `aigw-setup relay` running"});
  } else {
    report.steps.push_back({"relay", "skipped", "auth.method is " + rollout.auth});
  }
  if (const auto reason = telemetry_skipped(rollout)) {
    report.steps.push_back({"telemetry", "skipped", *reason});
  } else if (context.global.dry_run && changes_anything(report)) {
    // Telemetry edits the files configure writes; a dry run has not written them, so its
    // diffs would be against the old bytes and show the wrong file.
    report.steps.push_back({"telemetry", "skipped",
                            "dry run: it edits the files the configure step would write first; "
                            "apply for real, and a later --dry-run shows it"});
  } else {
    run_apply_step(context, report, "telemetry",
                   [&] { enable_rollout_telemetry(rollout, context, report); });
  }
  print_apply_report(context, report);
  throw_if_interrupted(deferred);
  return ExitCode::ok;
}

} // namespace

CommandRunner
setup_apply(CLI::App& command)
{
  auto options = std::make_shared<ApplyOptions>();
  command.add_option("-f,--file", options->file, "the rollout file (schema: docs/apply.md)")
    ->required();
  command.footer("\nExamples:\n"
                 "  aigw-setup apply -f /etc/aigw-setup/rollout.yaml\n"
                 "  aigw-setup --dry-run --json apply -f rollout.yaml\n");
  return [options](Context& context) { return run_apply(*options, context); };
}

} // namespace aigw::cli
