// SPDX-License-Identifier: MIT
// `apply -f FILE`: fleet rollout. The rollout file is read and checked in full first (any
// mistake stops the run before a file is touched); then it becomes the same options that
// `configure` takes, the change engine writes every agent's files in one run, and the report
// says per file created, changed or unchanged and per step ok, failed or skipped. It never
// asks anything: every input is in the file or the environment. The schema is in
// docs/apply.md; the file is parsed in core/rollout.cpp.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/configure_request.hpp"
#include "cli/report.hpp"
#include "core/databricks_auth.hpp"
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

struct ApplyReport
{
  std::filesystem::path file;
  std::vector<core::FileReport> files;
  std::vector<Step> steps;
  std::vector<Note> notes;
  std::vector<Note> warnings;
};

const char* const k_steps[] = {"parse", "configure", "relay", "telemetry"};

bool
changes_anything(const ApplyReport& report)
{
  for (const auto& file : report.files) {
    if (file.status != config::WriteStatus::unchanged) {
      return true;
    }
  }
  return false;
}

Json
report_json(const ApplyReport& report, bool dry_run)
{
  Json files = Json::array();
  for (const auto& file : report.files) {
    Json entry{{"path", file.path.string()},
               {"agent", file.agent},
               {"result", config::to_string(file.status)}};
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
  for (const auto& file : report.files) {
    context.out.line(file.agent + ": " + config::to_string(file.status) + " "
                     + shown_path(context, file.path));
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
  options.token.file = rollout.token_file;
  options.token.env_name = rollout.token_env;
  options.secrets = rollout.secrets;
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
  const std::string file = rollout.file.string();
  if (rollout.token_env && !context.env(*rollout.token_env)) {
    throw util::Fatal(util::ErrorKind::usage, file + ": auth.token_env: $" + *rollout.token_env
                                                + " is not set; the token is read from it");
  }
  if (rollout.token_file && !std::filesystem::exists(*rollout.token_file)) {
    throw util::Fatal(util::ErrorKind::usage, file + ": auth.token_file: "
                                                + rollout.token_file->string() + ": no such file");
  }
  if (rollout.auth == "relay" || context.global.dry_run || token_given(options, context)) {
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
configure_message(const std::vector<core::FileReport>& files)
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

// One plan per agent, each with the extra headers the file gives that agent.
std::vector<core::AgentPlan>
plan_agents(const core::Rollout& rollout, const core::ConfigureRequest& request,
            const Context& context)
{
  std::vector<core::AgentPlan> plans;
  for (const auto& agent : rollout.agents) {
    core::ConfigureRequest own = request;
    own.extra_headers = agent.headers;
    plans.push_back(util::value_or_throw(core::plan_agent(agent.name, own, context.paths)));
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

ExitCode
run_apply(const ApplyOptions& options, Context& context)
{
  ApplyReport report{options.file};
  core::Rollout rollout;
  ConfigureOptions configure;
  run_step(context, report, "parse", [&] {
    rollout = util::value_or_throw(core::load_rollout(options.file, context.env));
    fill_from_profile(rollout, context);
    check_routes(rollout);
    configure = options_from(rollout);
    check_auth(configure);
    check_token(rollout, configure, context);
    report.steps.push_back({"parse", "ok", parse_message(rollout)});
  });

  const util::DeferredSignals deferred;
  std::optional<std::string> relay_url;
  run_step(context, report, "configure", [&] {
    const auto request = build_request(configure, context, has_agent(rollout, "codex"));
    auto plans = plan_agents(rollout, request, context);
    auto writes = write_configuration(configure, context, request, plans);
    collect_notes(plans, report);
    report.files = std::move(writes.files);
    report.steps.push_back({"configure", "ok", configure_message(report.files)});
    if (writes.relay) {
      report.files.push_back(std::move(*writes.relay));
      relay_url = request.routes.gateway;
    }
  });

  if (relay_url) {
    report.steps.push_back(
      {"relay", "ok",
       "the agents use the relay at " + *relay_url + "; keep `aigw-setup relay` running"});
  } else {
    report.steps.push_back({"relay", "skipped", "auth.method is " + rollout.auth});
  }
  // TODO(#6): run `telemetry enable` for telemetry.enable once it is wired in here.
  report.steps.push_back({"telemetry", "skipped",
                          rollout.telemetry ? "telemetry enable is not wired into apply yet"
                                            : "the file has no telemetry section"});
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
