// SPDX-License-Identifier: MIT
// The report of `apply`: per file created, changed or unchanged and the step that wrote it,
// per step ok, failed or skipped, and the agents' notes and warnings. Printed as text, or as
// one JSON document with --json whose field names are stable (docs/apply.md, "The report").
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/changes.hpp"

namespace aigw::cli {

struct ApplyStep
{
  std::string step;
  std::string result; // ok, failed or skipped
  std::string message;
};

struct ApplyNote
{
  std::string agent;
  std::string text;
};

// A file, and the step that wrote it: configure, relay or telemetry.
struct ApplyFile
{
  std::string step;
  core::FileReport report;
};

struct ApplyReport
{
  std::filesystem::path file;
  std::vector<ApplyFile> files;
  std::vector<ApplyStep> steps;
  std::vector<ApplyNote> notes;
  std::vector<ApplyNote> warnings;
};

// Whether any file of `report` was (or, in a dry run, would be) created or changed.
bool changes_anything(const ApplyReport& report);

// "N files: C created, M changed, U unchanged", a step's message.
std::string files_message(const std::vector<core::FileReport>& files);

// The text report on stdout, or with --json the one document.
void print_apply_report(Context& context, const ApplyReport& report);

// Run the step `name`. One that cannot go on (util::Fatal) is recorded as failed, the steps
// after it as skipped, and the report printed, before its error goes on to cli::run (which
// prints it and exits).
void run_apply_step(Context& context, ApplyReport& report, const char* name,
                    const std::function<void()>& body);

} // namespace aigw::cli
