// SPDX-License-Identifier: MIT
#include "cli/report.hpp"

#include "util/log.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;

Json
file_json(const core::FileReport& report, bool dry_run)
{
  Json json{{"path", report.path.string()}, {"status", config::to_string(report.status)}};
  if (report.backup) {
    json["backup"] = report.backup->string();
  }
  if (dry_run) {
    json["diff"] = report.diff;
  }
  if (!report.kept_edits.empty()) {
    json["kept_user_edits"] = report.kept_edits;
  }
  return json;
}

void
print_file_lines(Context& context, const std::string& agent,
                 const std::vector<core::FileReport>& reports)
{
  for (const auto& report : reports) {
    if (report.agent != agent) {
      continue;
    }
    if (context.global.dry_run) {
      if (!report.diff.empty()) {
        context.out.line(report.diff);
      }
      continue;
    }
    std::string line = agent + ": " + config::to_string(report.status) + " "
                       + shown_path(context, report.path);
    if (report.backup) {
      line += " (backup " + shown_path(context, *report.backup) + ")";
    }
    context.out.line(line);
    for (const auto& key : report.kept_edits) {
      context.out.line("  kept your edit of " + key);
    }
  }
}

Json
files_of(const std::string& agent, const std::vector<core::FileReport>& reports, bool dry_run)
{
  Json files = Json::array();
  for (const auto& report : reports) {
    if (report.agent == agent) {
      files.push_back(file_json(report, dry_run));
    }
  }
  return files;
}

// Each plan's warnings, its files' lines and its notes, and document["agents"] with them.
void
print_plans(Context& context, Json& document, const std::vector<core::AgentPlan>& plans,
            const std::vector<core::FileReport>& reports)
{
  const bool dry_run = context.global.dry_run;
  document["dry_run"] = dry_run;
  document["agents"] = Json::array();
  for (const auto& plan : plans) {
    for (const auto& warning : plan.warnings) {
      AIGW_WARN(plan.agent << ": " << warning);
    }
    print_file_lines(context, plan.agent, reports);
    for (const auto& note : plan.notes) {
      context.out.line(note);
    }
    document["agents"].push_back({{"agent", plan.agent},
                                  {"files", files_of(plan.agent, reports, dry_run)},
                                  {"notes", plan.notes},
                                  {"warnings", plan.warnings}});
  }
}

// The relay's files and the kept credential that went with their last user, after the
// agents' files: document["relay"] = {"files", "warnings"}, document["credential"].
void
print_takedown(Context& context, Json& document, const Takedown& takedown)
{
  const bool dry_run = context.global.dry_run;
  print_file_lines(context, "relay", takedown.relay_files);
  for (const auto& warning : takedown.relay_warnings) {
    AIGW_WARN(warning);
  }
  if (takedown.relay_released) {
    document["relay"] = {{"files", files_of("relay", takedown.relay_files, dry_run)},
                         {"warnings", takedown.relay_warnings}};
  }
  if (takedown.credential) {
    print_file_lines(context, "credential", {*takedown.credential});
    document["credential"] = file_json(*takedown.credential, dry_run);
  }
}

void
finish(Context& context, const Json& document)
{
  if (context.global.dry_run) {
    context.out.line("dry run: nothing was written");
  }
  context.out.document(document);
}

} // namespace

std::string
shown_path(const Context& context, const std::filesystem::path& path)
{
  return core::shown_path(context.paths.home, path);
}

void
print_configure_report(Context& context, const std::vector<core::AgentPlan>& plans,
                       const std::vector<core::FileReport>& reports,
                       const std::vector<core::FileReport>& relay,
                       const std::optional<core::FileReport>& credential)
{
  Json document{{"command", "configure"}};
  print_plans(context, document, plans, reports);
  print_file_lines(context, "relay", relay);
  if (!relay.empty()) {
    document["relay"] = {{"files", files_of("relay", relay, context.global.dry_run)}};
  }
  if (credential) {
    print_file_lines(context, "credential", {*credential});
    document["credential"] = file_json(*credential, context.global.dry_run);
  }
  finish(context, document);
}

void
print_unconfigure_report(Context& context, const std::vector<std::string>& agents,
                         const std::vector<core::FileReport>& reports, const Takedown& takedown)
{
  const bool dry_run = context.global.dry_run;
  Json list = Json::array();
  for (const auto& agent : agents) {
    print_file_lines(context, agent, reports);
    list.push_back({{"agent", agent}, {"files", files_of(agent, reports, dry_run)}});
  }
  Json document{{"command", "unconfigure"}, {"dry_run", dry_run}, {"agents", list}};
  print_takedown(context, document, takedown);
  finish(context, document);
}

void
print_telemetry_report(Context& context, nlohmann::ordered_json document,
                       const std::vector<core::AgentPlan>& plans,
                       const std::vector<core::FileReport>& reports, const Takedown& takedown)
{
  print_plans(context, document, plans, reports);
  print_takedown(context, document, takedown);
  finish(context, document);
}

} // namespace aigw::cli
