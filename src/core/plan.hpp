// SPDX-License-Identifier: MIT
// What an agent wants written: per file, the keys it owns and their values. Agents build
// plans; the change engine (changes.hpp) turns plans into file contents and bookkeeping.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "config/safe_writer.hpp"

namespace aigw::core {

// Whether a run writes, or only says what it would write.
enum class DryRun { no, yes };

struct KeyEdit
{
  config::KeyPath path;
  std::optional<config::Json> value; // nullopt: the key must go (it would shadow ours)
  bool secret = false;
};

struct FilePlan
{
  std::filesystem::path path;
  config::Format format = config::Format::json;
  config::Sensitivity sensitivity = config::Sensitivity::plain;
  std::vector<KeyEdit> edits;
};

struct AgentPlan
{
  std::string agent;
  std::vector<FilePlan> files;
  std::vector<std::string> notes;    // what the user should know or do, printed after
  std::vector<std::string> warnings; // what may stop it from working
  config::Json summary;              // gateway, model, auth: kept for status
};

std::string format_name(config::Format format);
std::optional<config::Format> format_from_name(const std::string& name);

} // namespace aigw::core
