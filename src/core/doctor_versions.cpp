// SPDX-License-Identifier: MIT
// The agents' installed versions against known breakage. Each agent's binary is looked up
// on the PATH doctor was given and asked for `--version`, all at once, each with a short
// timeout (a Node agent takes a few hundred milliseconds to start). What breaks at which
// version is data, not code: templates/known-breakage.json, compiled in, one entry per
// fact with its source. An entry with a condition ("when") is reported by the check that
// tests that condition; the version check reports the others.
#include <algorithm>
#include <array>
#include <future>
#include <regex>

#include <unistd.h>

#include "core/doctor_support.hpp"
#include "core/otel_tables.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using Triple = std::array<int, 3>;

std::optional<Triple>
version_triple(const std::string& text)
{
  static const std::regex k_pattern("^([0-9]+)(?:\\.([0-9]+))?(?:\\.([0-9]+))?");
  std::smatch match;
  if (!std::regex_search(text, match, k_pattern)) {
    return std::nullopt;
  }
  Triple triple{};
  for (std::size_t i = 0; i < 3; ++i) {
    triple[i] = match[i + 1].matched ? std::stoi(match[i + 1].str()) : 0;
  }
  return triple;
}

// One constraint of a range: ">=0.131.0".
std::optional<std::pair<std::string, Triple>>
constraint(const std::string& text)
{
  for (const char* op : {">=", "<=", ">", "<", "="}) {
    if (text.starts_with(op)) {
      auto triple = version_triple(text.substr(std::char_traits<char>::length(op)));
      return triple ? std::optional(std::pair{std::string(op), *triple}) : std::nullopt;
    }
  }
  return std::nullopt;
}

bool
range_valid(const std::string& range)
{
  const auto parts = util::split(range, ' ');
  return !range.empty() && std::all_of(parts.begin(), parts.end(), [](const std::string& part) {
    return constraint(part).has_value();
  });
}

std::optional<std::filesystem::path>
find_binary(const std::string& path_variable, const std::string& name)
{
  for (const auto& dir : util::split(path_variable, ':')) {
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    std::error_code error;
    if (::access(candidate.c_str(), X_OK) == 0
        && !std::filesystem::is_directory(candidate, error)) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::string
field(const config::Json& entry, const char* name, std::size_t index)
{
  const auto found = entry.find(name);
  if (found == entry.end() || !found->is_string()) {
    throw std::invalid_argument("entry " + std::to_string(index + 1) + ": \"" + name
                                + "\" must be a string");
  }
  return found->get<std::string>();
}

Breakage
entry_from_json(const config::Json& entry, std::size_t index)
{
  Breakage breakage{field(entry, "agent", index), field(entry, "versions", index),
                    entry.value("when", std::string()), Level::warn,
                    field(entry, "breaks", index), field(entry, "remedy", index),
                    field(entry, "source", index)};
  const std::string level = field(entry, "level", index);
  if (level != "warn" && level != "fail") {
    throw std::invalid_argument("entry " + std::to_string(index + 1)
                                + ": \"level\" must be \"warn\" or \"fail\"");
  }
  breakage.level = level == "fail" ? Level::fail : Level::warn;
  if (!range_valid(breakage.versions)) {
    throw std::invalid_argument("entry " + std::to_string(index + 1) + ": \"versions\" \""
                                + breakage.versions + "\" is not like \">=0.131.0 <1.0.0\"");
  }
  return breakage;
}

} // namespace

std::optional<std::string>
find_version(const std::string& text)
{
  static const std::regex k_version("[0-9]+\\.[0-9]+\\.[0-9]+");
  std::smatch match;
  return std::regex_search(text, match, k_version) ? std::optional(match.str()) : std::nullopt;
}

InstalledVersions
probe_versions(const std::string& path_variable, std::chrono::milliseconds timeout)
{
  std::map<std::string, std::future<util::ProcessOutput>> running;
  InstalledVersions installed;
  for (const auto& agent : k_agents) {
    installed[agent].binary = find_binary(path_variable, agent);
    if (const auto& binary = installed[agent].binary) {
      running[agent] = std::async(std::launch::async, [binary = binary->string(), timeout] {
        return util::run_capture({binary, "--version"}, timeout);
      });
    }
  }
  for (auto& [agent, output] : running) {
    const auto result = output.get();
    if (result.exit_code == 0) {
      installed[agent].version = find_version(result.out);
    }
  }
  return installed;
}

bool
version_in_range(const std::string& version, const std::string& range)
{
  const auto have = version_triple(version);
  if (!have || !range_valid(range)) {
    return false;
  }
  for (const auto& part : util::split(range, ' ')) {
    const auto [op, bound] = *constraint(part);
    const bool holds = op == ">=" ? *have >= bound
                       : op == "<=" ? *have <= bound
                       : op == ">"  ? *have > bound
                       : op == "<"  ? *have < bound
                                    : *have == bound;
    if (!holds) {
      return false;
    }
  }
  return true;
}

util::Result<std::vector<Breakage>>
parse_breakage(const std::string& text)
{
  const auto json = config::Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("entries")
      || !json["entries"].is_array()) {
    return util::fail(util::ErrorKind::parse,
                      "known-breakage.json: expected an object with an \"entries\" array");
  }
  std::vector<Breakage> entries;
  try {
    for (std::size_t i = 0; i < json["entries"].size(); ++i) {
      entries.push_back(entry_from_json(json["entries"][i], i));
    }
  } catch (const std::invalid_argument& error) {
    return util::fail(util::ErrorKind::parse, std::string("known-breakage.json: ") + error.what());
  }
  return entries;
}

const std::vector<Breakage>&
known_breakage()
{
  static const std::vector<Breakage> k_table = [] {
    const auto text = embedded_template("known-breakage.json");
    return util::value_or_throw(parse_breakage(std::string(text.value_or(""))));
  }();
  return k_table;
}

std::vector<Breakage>
breakage_for(const std::string& agent, const std::string& version, const std::string& when)
{
  std::vector<Breakage> found;
  for (const auto& entry : known_breakage()) {
    if (entry.agent == agent && entry.when == when && version_in_range(version, entry.versions)) {
      found.push_back(entry);
    }
  }
  return found;
}

std::string
breakage_cause(const Breakage& entry, const std::string& agent, const std::string& version)
{
  return agent_title(agent) + " " + version + " " + entry.breaks + " (" + entry.source + ")";
}

namespace {

// The table's `remedy` with its configure runs as doctor's own remedies write them (--home,
// --auth relay), so that copying one keeps this setup.
std::string
remedy_for_setup(const DoctorInputs& inputs, const std::string& agent, std::string remedy)
{
  const std::string plain = "aigw-setup configure " + agent;
  const std::string kept = configure_command(inputs, agent);
  for (auto at = remedy.find(plain); at != std::string::npos;
       at = remedy.find(plain, at + kept.size())) {
    remedy.replace(at, plain.size(), kept);
  }
  return remedy;
}

} // namespace

std::vector<Check>
version_checks(const DoctorInputs& inputs, const std::string& agent,
               const std::set<std::string>& facts)
{
  const auto found = inputs.versions.find(agent);
  const AgentInstall install = found == inputs.versions.end() ? AgentInstall{} : found->second;
  const std::string id = agent + ".version";
  if (!install.binary) {
    // Cursor is a desktop application: its command on PATH is optional.
    if (agent == "cursor" || configured_summary(inputs, agent) == nullptr) {
      return {};
    }
    return {warned(agent, id, agent_title(agent) + " is configured but `" + agent
                                + "` is not on PATH",
                   "install it, or add the folder that holds it to PATH")};
  }
  if (!install.version) {
    return {warned(agent, id, "`" + install.binary->string() + " --version` printed no version",
                   "run it yourself: the agent may not start at all")};
  }

  std::vector<std::string> conditions{""};
  conditions.insert(conditions.end(), facts.begin(), facts.end());
  std::vector<Check> checks;
  for (const auto& when : conditions) {
    for (const auto& entry : breakage_for(agent, *install.version, when)) {
      checks.push_back(Check{agent, id, entry.level,
                             breakage_cause(entry, agent, *install.version),
                             remedy_for_setup(inputs, agent, entry.remedy), {}});
    }
  }
  if (checks.empty()) {
    checks.push_back(passed(agent, id, agent_title(agent) + " " + *install.version
                                         + " has no known breakage with this setup"));
  }
  return checks;
}

} // namespace aigw::core
