// SPDX-License-Identifier: MIT
// The report of `apply` as text and as JSON, and the rule that a failed step skips the rest.
#include "cli/apply_report.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cli/report.hpp"
#include "util/error.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;

const char* const k_steps[] = {"parse", "configure", "relay", "telemetry"};

Json
files_json(const ApplyReport& report, bool dry_run)
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
  return files;
}

Json
notes_json(const std::vector<ApplyNote>& list)
{
  Json array = Json::array();
  for (const auto& note : list) {
    array.push_back({{"agent", note.agent}, {"text", note.text}});
  }
  return array;
}

Json
report_json(const ApplyReport& report, bool dry_run)
{
  Json steps = Json::array();
  for (const auto& step : report.steps) {
    steps.push_back({{"step", step.step}, {"result", step.result}, {"message", step.message}});
  }
  return {{"command", "apply"},
          {"file", report.file.string()},
          {"dry_run", dry_run},
          {"changed", changes_anything(report)},
          {"files", files_json(report, dry_run)},
          {"steps", steps},
          {"notes", notes_json(report.notes)},
          {"warnings", notes_json(report.warnings)}};
}

} // namespace

bool
changes_anything(const ApplyReport& report)
{
  return std::any_of(report.files.begin(), report.files.end(), [](const ApplyFile& file) {
    return file.report.status != config::WriteStatus::unchanged;
  });
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

void
print_apply_report(Context& context, const ApplyReport& report)
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

void
run_apply_step(Context& context, ApplyReport& report, const char* name,
               const std::function<void()>& body)
{
  try {
    body();
  } catch (const util::Fatal& fatal) {
    report.steps.push_back({name, "failed", fatal.error().message});
    for (std::size_t i = report.steps.size(); i < std::size(k_steps); ++i) {
      report.steps.push_back({k_steps[i], "skipped", "an earlier step failed"});
    }
    print_apply_report(context, report);
    throw;
  }
}

} // namespace aigw::cli
