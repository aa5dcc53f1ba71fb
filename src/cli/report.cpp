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

} // namespace

std::string
shown_path(const Context& context, const std::filesystem::path& path)
{
  return core::shown_path(context.paths.home, path);
}

void
print_configure_report(Context& context, const std::vector<core::AgentPlan>& plans,
                       const std::vector<core::FileReport>& reports)
{
  const bool dry_run = context.global.dry_run;
  Json agents = Json::array();
  for (const auto& plan : plans) {
    for (const auto& warning : plan.warnings) {
      AIGW_WARN(plan.agent << ": " << warning);
    }
    print_file_lines(context, plan.agent, reports);
    for (const auto& note : plan.notes) {
      context.out.line(note);
    }
    agents.push_back({{"agent", plan.agent},
                      {"files", files_of(plan.agent, reports, dry_run)},
                      {"notes", plan.notes},
                      {"warnings", plan.warnings}});
  }
  if (dry_run) {
    context.out.line("dry run: nothing was written");
  }
  context.out.document({{"command", "configure"}, {"dry_run", dry_run}, {"agents", agents}});
}

void
print_unconfigure_report(Context& context, const std::vector<std::string>& agents,
                         const std::vector<core::FileReport>& reports,
                         const RelayTakedown& relay)
{
  const bool dry_run = context.global.dry_run;
  Json list = Json::array();
  for (const auto& agent : agents) {
    print_file_lines(context, agent, reports);
    list.push_back({{"agent", agent}, {"files", files_of(agent, reports, dry_run)}});
  }
  print_file_lines(context, "relay", relay.files);
  for (const auto& warning : relay.warnings) {
    AIGW_WARN(warning);
  }
  if (dry_run) {
    context.out.line("dry run: nothing was written");
  }
  Json document{{"command", "unconfigure"}, {"dry_run", dry_run}, {"agents", list}};
  if (relay.taken_down) {
    document["relay"] = {{"files", files_of("relay", relay.files, dry_run)},
                         {"warnings", relay.warnings}};
  }
  context.out.document(document);
}

} // namespace aigw::cli
