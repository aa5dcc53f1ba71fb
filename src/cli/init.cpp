// SPDX-License-Identifier: MIT
// `init`: the guided onboarding. It settles every answer first (init_answers.cpp), then runs
// configure twice over them: a dry run whose diffs the user reads, and, once they say yes
// (or gave --yes), the real one, under the run lock and with signals held off. Last it runs
// `test` on the routes it set up. Nothing is asked without a terminal: the first answer
// missing stops the command with the flag that gives it.
#include <algorithm>
#include <array>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/init.hpp"
#include "cli/models.hpp"
#include "cli/report.hpp"
#include "util/log.hpp"
#include "util/signals.hpp"

namespace aigw::cli {

namespace {

bool
has(const std::vector<std::string>& agents, const char* agent)
{
  return std::find(agents.begin(), agents.end(), agent) != agents.end();
}

struct PassResult
{
  std::vector<core::AgentPlan> plans;
  std::vector<core::FileReport> files;
  std::vector<core::FileReport> relay; // relay.json and relay.key, with --auth relay
  std::array<std::string, 3> models; // Claude's, Codex's and Gemini's, after --models auto
};

// The models the preview settled (--models auto asked the gateway once), for the write.
void
keep_models(const PassResult& preview, Onboarding& onboarding)
{
  auto& options = onboarding.configure;
  options.models.clear();
  options.claude_model = preview.models[0];
  options.codex_model = preview.models[1];
  options.gemini_model = preview.models[2];
}

// One run of configure over the answers, as a dry run or for real. The token goes in as if
// piped to --token-stdin, afresh for each pass.
PassResult
configure_pass(const Onboarding& onboarding, Context& context, bool dry_run)
{
  GlobalOptions global = context.global;
  global.dry_run = dry_run;
  std::istringstream token_input(onboarding.token ? onboarding.token->reveal() : "");
  Context pass{global, context.env, context.paths, context.out, token_input};

  ConfigureOptions options = onboarding.configure;
  if (onboarding.token) {
    options.token.from_stdin = true;
    options.token.file.reset();
  }
  check_auth(options);
  const ConfigureOptions chosen = with_auto_models(options, onboarding.agents);
  auto relay_key = relay_key_report(options, pass); // before the request makes the key
  const auto request = build_request(chosen, pass, has(onboarding.agents, "codex"));

  PassResult result;
  for (const auto& agent : onboarding.agents) {
    result.plans.push_back(util::value_or_throw(core::plan_agent(agent, request, pass.paths)));
  }
  note_auto_models(chosen, request, result.plans);
  result.models = {request.claude_model, request.codex_model, request.gemini_model};
  auto writes = write_configuration(options, pass, request, result.plans, std::move(relay_key));
  result.files = std::move(writes.files);
  result.relay = std::move(writes.relay);
  if (!dry_run) {
    print_configure_report(pass, result.plans, result.files, result.relay);
  }
  return result;
}

// The diffs of the dry run; how many files would change.
std::size_t
show_preview(const PassResult& preview, Context& context)
{
  std::size_t changing = 0;
  for (const auto& plan : preview.plans) {
    for (const auto& warning : plan.warnings) {
      AIGW_WARN(plan.agent << ": " << warning);
    }
  }
  for (const auto* files : {&preview.files, &preview.relay}) {
    for (const auto& file : *files) {
      if (file.status != config::WriteStatus::unchanged) {
        ++changing;
        context.out.line(file.diff);
      }
    }
  }
  return changing;
}

bool
may_write(const InitOptions& options, std::size_t changing, const Prompter& prompter)
{
  if (options.yes) {
    return true;
  }
  if (!prompter.interactive()) {
    Prompter::missing("a yes to write the files above", "--yes (or --dry-run to only see them)");
  }
  const std::string files = changing == 1 ? "this file" : "these " + std::to_string(changing)
                                                            + " files";
  return prompter.confirm("Write " + files + "?");
}

ExitCode
test_what_was_set_up(const InitOptions& options, const Onboarding& onboarding, Context& context)
{
  if (options.skip_test) {
    context.out.line("Skipped the round trips (--no-test); run `aigw-setup test` when ready.");
    return ExitCode::ok;
  }
  if (onboarding.configure.auth == "relay") {
    context.out.line("Next: start the relay (`aigw-setup relay`), then `aigw-setup test`.");
    return ExitCode::ok;
  }
  context.out.line("");
  context.out.line("Round trip to each route:");
  return run_test_routes(onboarding.agents, context);
}

ExitCode
run_init(const InitOptions& options, Context& context)
{
  if (context.global.json) {
    throw util::Fatal(util::ErrorKind::usage,
                      "init talks with a person; scripts run `configure ... --json` and "
                      "`test --json` (or `apply -f FILE --json`)");
  }
  const Prompter prompter = Prompter::for_this_process();
  Onboarding onboarding = gather_answers(options, context, prompter);

  const auto preview = configure_pass(onboarding, context, true);
  keep_models(preview, onboarding);
  const std::size_t changing = show_preview(preview, context);
  if (context.global.dry_run) {
    context.out.line("dry run: nothing was written");
    return ExitCode::ok;
  }
  if (changing == 0) {
    context.out.line("Every file already holds this setup; nothing to write.");
  } else if (!may_write(options, changing, prompter)) {
    context.out.line("Nothing was written.");
    return ExitCode::ok;
  } else {
    const auto lock = take_run_lock(context);
    const util::DeferredSignals deferred;
    configure_pass(onboarding, context, false);
    throw_if_interrupted(deferred);
  }
  return test_what_was_set_up(options, onboarding, context);
}

} // namespace

CommandRunner
setup_init(CLI::App& command)
{
  auto options = std::make_shared<InitOptions>();
  add_configure_options(command, options->configure);
  command.add_flag("-y,--yes", options->yes, "write without asking (needed without a terminal)");
  command.add_flag("--no-test", options->skip_test, "do not run the round trips at the end");
  command.footer("\nExamples:\n"
                 "  aigw-setup init\n"
                 "  aigw-setup init claude codex --profile prod\n"
                 "  aigw-setup init --all --workspace https://adb-1.azuredatabricks.net "
                 "--token-file ~/pat.txt --yes\n");
  const auto* trust = command.get_option("--gemini-trust");
  return [options, trust](Context& context) {
    options->gemini_trust_given = trust->count() > 0;
    return run_init(*options, context);
  };
}

} // namespace aigw::cli
