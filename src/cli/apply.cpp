// SPDX-License-Identifier: MIT
// `apply -f FILE`: fleet rollout. The rollout file is read and checked in full first (any
// mistake stops the run before a file is touched); then it becomes the same options that
// `configure` takes, the change engine writes every agent's files in one run, and the report
// says per file created, changed or unchanged and per step ok, failed or skipped. With
// `managed: true` the configure step writes the system-wide files instead (cli/managed.cpp),
// and `telemetry.enable` runs what `telemetry enable` runs. It never asks anything: every
// input is in the file or the environment. The schema is in docs/apply.md; the file is
// parsed in core/rollout.cpp.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/configure_request.hpp"
#include "cli/managed.hpp"
#include "cli/report.hpp"
#include "cli/telemetry.hpp"
#include "core/databricks_auth.hpp"
#include "core/managed.hpp"
#include "core/rollout.hpp"
#include "util/log.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;

struct ApplyOptions
{
  std::filesystem::path file;
};

struct Step
{
  std::string step;
  std::string result; // ok, failed or skipped
  std::string message;
};

struct Note
{
  std::string agent;
  std::string text;
};

// A file, and the step that wrote it: configure, relay or telemetry.
struct StepFile
{
  std::string step;
  core::FileReport report;
};

struct ApplyReport
{
  std::filesystem::path file;
  std::vector<StepFile> files;
  std::vector<Step> steps;
  std::vector<Note> notes;
  std::vector<Note> warnings;
};

const char* const k_steps[] = {"parse", "configure", "relay", "telemetry"};

bool
changes_anything(const ApplyReport& report)
{
  return std::any_of(report.files.begin(), report.files.end(), [](const StepFile& file) {
    return file.report.status != config::WriteStatus::unchanged;
  });
}

Json
report_json(const ApplyReport& report, bool dry_run)
{
  Json files = Json::array();
  for (const auto& [step, file] : report.files) {
    Json entry{{"path", file.path.string()},
               {"agent", file.agent},
               {"result", config::to_string(file.status)},
               {"step", step}};
    if (file.backup) {
      entry["backup"] = file.backup->string();
    }
    if (dry_run) {
      entry["diff"] = file.diff;
    }
    files.push_back(std::move(entry));
  }
  Json steps = Json::array();
  for (const auto& step : report.steps) {
    steps.push_back({{"step", step.step}, {"result", step.result}, {"message", step.message}});
  }
  const auto notes = [](const std::vector<Note>& list) {
    Json array = Json::array();
    for (const auto& note : list) {
      array.push_back({{"agent", note.agent}, {"text", note.text}});
    }
    return array;
  };
  return {{"command", "apply"},
          {"file", report.file.string()},
          {"dry_run", dry_run},
          {"changed", changes_anything(report)},
          {"files", files},
          {"steps", steps},
          {"notes", notes(report.notes)},
          {"warnings", notes(report.warnings)}};
}

void
print_report(Context& context, const ApplyReport& report)
{
  const bool dry_run = context.global.dry_run;
  for (const auto& [step, file] : report.files) {
    context.out.line(file.agent + ": " + config::to_string(file.status) + " "
                     + shown_path(context, file.path)
                     + (step == "telemetry" ? " (telemetry)" : ""));
    if (dry_run && !file.diff.empty()) {
      context.out.line(file.diff);
    }
  }
  for (const auto& note : report.notes) {
    context.out.line(note.text);
  }
  for (const auto& step : report.steps) {
    context.out.line("step " + step.step + ": " + step.result
                     + (step.message.empty() ? "" : ": " + step.message));
  }
  if (dry_run) {
    context.out.line("dry run: nothing was written");
  }
  context.out.document(report_json(report, dry_run));
}

// A step that cannot go on is recorded as failed, the steps after it as skipped, and the
// report printed, before its error goes on to cli::run (which prints it and exits).
template <class Body>
void
run_step(Context& context, ApplyReport& report, const char* name, Body body)
{
  try {
    body();
  } catch (const util::Fatal& fatal) {
    report.steps.push_back({name, "failed", fatal.error().message});
    for (std::size_t i = report.steps.size(); i < std::size(k_steps); ++i) {
      report.steps.push_back({k_steps[i], "skipped", "an earlier step failed"});
    }
    print_report(context, report);
    throw;
  }
}

// The workspace of a ~/.databrickscfg profile, when the file and environment name none.
void
fill_from_profile(core::Rollout& rollout, const Context& context)
{
  if (!rollout.profile || rollout.workspace || rollout.gateway) {
    return;
  }
  core::DatabricksOptions wanted;
  wanted.profile = rollout.profile;
  auto auth = core::resolve_databricks_auth(wanted, context.env, context.paths.home);
  if (!auth) {
    throw util::Fatal(util::ErrorKind::usage, rollout.file.string() + ": auth.profile \""
                                                + *rollout.profile + "\": " + auth.error().message);
  }
  rollout.workspace = auth->host;
  rollout.from_environment.push_back("workspace from profile " + *rollout.profile);
}

// Every agent needs a route: the gateway, the workspace, or its own url (Cursor only warns).
void
check_routes(const core::Rollout& rollout)
{
  if (rollout.gateway || rollout.workspace) {
    return;
  }
  for (const auto& agent : rollout.agents) {
    if (!agent.url && agent.name != "cursor") {
      throw util::Fatal(util::ErrorKind::usage,
                        rollout.file.string() + ": no route for " + agent.name
                          + ": give gateway or workspace (or export AIGW_GATEWAY, "
                            "AIGW_WORKSPACE or DATABRICKS_HOST), or agents."
                          + agent.name + ".url");
    }
  }
}

void
set_agent_options(const core::RolloutAgent& agent, ConfigureOptions& options)
{
  if (agent.name == "claude") {
    options.claude_model = agent.model.value_or(options.claude_model);
    options.routes.claude_url = agent.url;
    options.skip_onboarding = agent.skip_onboarding;
  } else if (agent.name == "codex") {
    options.codex_model = agent.model.value_or(options.codex_model);
    options.routes.codex_url = agent.url;
    options.migrate_codex_profiles = agent.migrate_profiles;
  } else if (agent.name == "gemini") {
    options.gemini_model = agent.model.value_or(options.gemini_model);
    options.routes.gemini_url = agent.url;
    options.gemini_trust = agent.trust;
  } else {
    options.cursor_models = agent.models;
    options.routes.cursor_url = agent.url;
    options.cursor_write_state = agent.write_state;
  }
}

// The rollout as the options `configure` would take (extra headers are set per agent).
ConfigureOptions
options_from(const core::Rollout& rollout)
{
  ConfigureOptions options;
  options.agents = core::agent_names(rollout);
  options.routes.gateway = rollout.gateway;
  options.routes.workspace = rollout.workspace;
  options.auth = rollout.auth;
  options.relay_auth = rollout.relay_auth;
  // auth.profile goes to configure as --profile does: only with an OAuth credential. With a
  // token it only names the workspace (fill_from_profile).
  if (rollout.auth == "databricks-cli" || rollout.relay_auth != "pat") {
    options.profile = rollout.profile;
  }
  if (!rollout.managed) {
    // A managed file holds no token, so one file can serve the root run and the users' runs.
    options.token.file = rollout.token_file;
    options.token.env_name = rollout.token_env;
  }
  options.secrets = rollout.secrets;
  options.managed = rollout.managed;
  options.relay_listen = rollout.relay_listen;
  for (const auto& agent : rollout.agents) {
    set_agent_options(agent, options);
  }
  return options;
}

// Apply never asks: without a token in the file, the environment or an earlier run, stop
// here, with the rollout file's words rather than configure's options.
void
check_token(const core::Rollout& rollout, const ConfigureOptions& options, const Context& context)
{
  if (rollout.managed) {
    return; // no token is read: each user's own answers (docs/managed.md)
  }
  const std::string file = rollout.file.string();
  if (rollout.token_env && !context.env(*rollout.token_env)) {
    throw util::Fatal(util::ErrorKind::usage, file + ": auth.token_env: $" + *rollout.token_env
                                                + " is not set; the token is read from it");
  }
  if (rollout.token_file && !std::filesystem::exists(*rollout.token_file)) {
    throw util::Fatal(util::ErrorKind::usage, file + ": auth.token_file: "
                                                + rollout.token_file->string() + ": no such file");
  }
  if (rollout.auth != "pat" || context.global.dry_run || token_given(options, context)) {
    return;
  }
  if (core::load_credential(context.paths.credentials_file())) {
    return;
  }
  throw util::Fatal(util::ErrorKind::usage,
                    file
                      + ": no token: name the variable that holds it with auth.token_env or "
                        "its file with auth.token_file, or export DATABRICKS_TOKEN");
}

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
files_message(const std::vector<core::FileReport>& files)
{
  std::size_t created = 0;
  std::size_t changed = 0;
  for (const auto& file : files) {
    created += file.status == config::WriteStatus::created ? 1 : 0;
    changed += file.status == config::WriteStatus::changed ? 1 : 0;
  }
  const std::size_t unchanged = files.size() - created - changed;
  return std::to_string(files.size()) + " files: " + std::to_string(created) + " created, "
         + std::to_string(changed) + " changed, " + std::to_string(unchanged) + " unchanged";
}

// Why the telemetry step has nothing to do, or nullopt when it runs.
std::optional<std::string>
telemetry_skipped(const core::Rollout& rollout)
{
  if (!rollout.telemetry) {
    return "the file has no telemetry section";
  }
  if (rollout.telemetry->enable.empty()) {
    return "telemetry.enable names no agent";
  }
  if (rollout.managed) {
    return "telemetry enable writes each user's own files, not system-wide ones: apply a file "
           "without managed: true as that user";
  }
  return std::nullopt;
}

// What telemetry needs, checked before anything is written: Gemini CLI has no setting for
// the headers that carry the token (only the relay can add them), and without the relay the
// exports go to the workspace.
void
check_telemetry(const core::Rollout& rollout)
{
  if (telemetry_skipped(rollout) || rollout.auth == "relay") {
    return;
  }
  const std::string where = rollout.file.string() + ": telemetry.enable: ";
  const auto& agents = rollout.telemetry->enable;
  if (std::find(agents.begin(), agents.end(), "gemini") != agents.end()) {
    throw util::Fatal(util::ErrorKind::usage,
                      where + "gemini needs auth.method relay: Gemini CLI has no setting for "
                              "the headers that carry the token");
  }
  if (!rollout.workspace && !rollout.profile) {
    throw util::Fatal(util::ErrorKind::usage,
                      where + "the exports go to the workspace: give workspace (or export "
                              "AIGW_WORKSPACE or DATABRICKS_HOST)");
  }
}

// The options `telemetry enable` would get for the telemetry section and the file's auth.
TelemetryEnableOptions
telemetry_options(const core::Rollout& rollout)
{
  const auto& telemetry = *rollout.telemetry;
  TelemetryEnableOptions options;
  options.agents = telemetry.enable;
  if (telemetry.names) {
    options.catalog = telemetry.names->catalog;
    options.schema = telemetry.names->schema;
    options.prefix = telemetry.names->prefix;
  }
  options.metrics_table = telemetry.metrics_table;
  options.logs_table = telemetry.logs_table;
  options.workspace = rollout.workspace;
  options.profile = rollout.profile;
  options.secrets = rollout.secrets;
  options.token.file = rollout.token_file;
  options.token.env_name = rollout.token_env;
  options.relay = rollout.auth == "relay";
  return options;
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

// Checked with the rest of the file: a part of it that cannot work stops the run before any
// file is written.
void
parse_file(const ApplyOptions& options, Context& context, core::Rollout& rollout,
           ConfigureOptions& configure)
{
  rollout = util::value_or_throw(core::load_rollout(options.file, context.env));
  fill_from_profile(rollout, context);
  check_routes(rollout);
  check_telemetry(rollout);
  configure = options_from(rollout);
  if (configure.managed) {
    configure = managed_options(configure);
  }
  check_auth(configure);
  check_token(rollout, configure, context);
}

// One configure run for every agent of the file (with `managed: true`, their system-wide
// files); returns the relay's URL when the agents talk to the relay.
std::optional<std::string>
configure_agents(const core::Rollout& rollout, const ConfigureOptions& configure,
                 Context& context, ApplyReport& report)
{
  const auto request = build_request(configure, context, has_agent(rollout, "codex"));
  auto plans = plan_agents(rollout, request, context);
  ConfigureWrites writes;
  if (rollout.managed) {
    writes.files = write_managed(context, plans, configure.auth);
  } else {
    writes = write_configuration(configure, context, request, plans);
  }
  collect_notes(plans, report);
  report.steps.push_back({"configure", "ok", files_message(writes.files)});
  for (auto& file : writes.files) {
    report.files.push_back({"configure", std::move(file)});
  }
  if (!writes.relay) {
    return std::nullopt;
  }
  report.files.push_back({"relay", std::move(*writes.relay)});
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
  core::Rollout rollout;
  ConfigureOptions configure;
  run_step(context, report, "parse", [&] {
    parse_file(options, context, rollout, configure);
    report.steps.push_back({"parse", "ok", parse_message(rollout)});
  });

  const util::DeferredSignals deferred;
  std::optional<std::string> relay_url;
  run_step(context, report, "configure",
           [&] { relay_url = configure_agents(rollout, configure, context, report); });
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
    run_step(context, report, "telemetry",
             [&] { enable_rollout_telemetry(rollout, context, report); });
  }
  print_report(context, report);
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
