// SPDX-License-Identifier: MIT
// The managed runs of configure, apply and unconfigure. The order keeps a run without the
// privileges from leaving anything behind: the system state file and every file to write
// are checked first, then the system lock is taken, then the change engine writes. New
// files get mode 0644 whatever umask sudo or the MDM runs with, since every user's agent
// reads them; files that exist keep their mode and owner (the safe writer sees to that).
#include "cli/managed.hpp"

#include <chrono>
#include <optional>

#include <sys/stat.h>

#include "config/file_lock.hpp"
#include "core/managed.hpp"
#include "util/fs.hpp"

namespace aigw::cli {

namespace {

// umask 022 for as long as it lives: new files 0644, new folders 0755.
class WorldReadable
{
public:
  WorldReadable() : m_saved(::umask(022)) {}
  ~WorldReadable() { ::umask(m_saved); }
  WorldReadable(const WorldReadable&) = delete;
  WorldReadable& operator=(const WorldReadable&) = delete;

private:
  mode_t m_saved;
};

// Under AIGW_SYSTEM_ROOT (an image being built, a chroot) an absolute link means a path
// of that system, not of this machine: writing through it would change this machine's file.
void
check_inside_root(const Context& context, const std::vector<std::filesystem::path>& files)
{
  namespace fs = std::filesystem;
  const fs::path root = context.paths.system_root;
  if (root.empty() || root == root.root_path()) {
    return;
  }
  std::error_code error;
  const auto inside = fs::weakly_canonical(root, error);
  for (const auto& file : files) {
    const auto target = fs::weakly_canonical(file, error);
    const auto relative = target.lexically_relative(inside);
    if (relative.empty() || *relative.begin() == "..") {
      throw util::Fatal(util::ErrorKind::usage,
                        file.string() + " leads to " + target.string()
                          + ", outside the system root " + root.string()
                          + " (AIGW_SYSTEM_ROOT): a link there is not followed out of it");
    }
  }
}

// A dry run writes nothing, so it needs no privileges (only to read).
void
check_access(const Context& context, const std::vector<std::filesystem::path>& files)
{
  check_inside_root(context, files);
  if (!context.global.dry_run) {
    util::throw_on_error(core::check_managed_access(files, core::access_write_check()));
  }
}

std::vector<std::filesystem::path>
files_of(const core::ChangeSet& changes)
{
  std::vector<std::filesystem::path> files;
  for (const auto& pending : changes.files) {
    files.push_back(pending.record.path);
  }
  return files;
}

std::vector<core::FileReport>
apply_managed(Context& context, core::ChangeSet& changes, core::Manifest& manifest)
{
  check_access(context, files_of(changes));
  const core::Paths state = core::managed_state_paths(context.paths);
  if (context.global.dry_run) {
    return util::value_or_throw(
      core::apply_changes_at(state, changes, manifest, core::DryRun::yes));
  }
  const WorldReadable world_readable;
  // Folders made above the state folder (in an image being built, say) are the system's.
  util::throw_on_error(util::create_directories(state.tool_dir.parent_path(), 0755));
  // Two admins (or an MDM and an admin) may run as root with different homes, so the
  // user's run lock is not enough here.
  constexpr auto k_lock_timeout = std::chrono::seconds(60);
  const auto lock =
    util::value_or_throw(config::FileLock::acquire(state.lock_file(), k_lock_timeout));
  return util::value_or_throw(core::apply_changes_at(state, changes, manifest, core::DryRun::no));
}

} // namespace

ConfigureOptions
managed_options(const ConfigureOptions& options)
{
  const auto usage = [](const std::string& message) {
    throw util::Fatal(util::ErrorKind::usage, message);
  };
  if (options.secrets == "inline") {
    usage("--secrets inline cannot go with --managed: every user can read the managed files, "
          "so a token in them would be everyone's; leave --secrets at helper, where each "
          "user's agent runs `aigw-setup token` for that user's own");
  }
  if (options.auth == "relay") {
    usage("--auth relay cannot go with --managed: the relay and its key are each user's own; "
          "run configure --auth relay as that user");
  }
  const auto& token = options.token;
  if (token.from_stdin || token.file || token.env_name) {
    usage("--managed keeps no token: each user's `aigw-setup token` answers with that user's "
          "own; give the token to `aigw-setup configure` run as that user");
  }
  ConfigureOptions managed = options;
  managed.gemini_trust = "off";
  managed.skip_onboarding = false;
  managed.migrate_codex_profiles = false;
  managed.cursor_write_state = false;
  return managed;
}

std::vector<core::FileReport>
write_managed(Context& context, std::vector<core::AgentPlan>& plans, const std::string& auth)
{
  const core::Paths state = core::managed_state_paths(context.paths);
  std::vector<std::filesystem::path> files{state.state_file()};
  for (const auto& plan : plans) {
    for (const auto& file : plan.files) {
      files.push_back(file.path);
    }
  }
  check_access(context, files);

  auto manifest = util::value_or_throw(core::load_manifest(state.state_file()));
  auto changes = util::value_or_throw(core::plan_configure(plans, manifest));
  for (auto& plan : plans) {
    // Cursor writes nothing system-wide: nothing to take back, nothing to record.
    if (!context.global.dry_run && !plan.files.empty()) {
      plan.summary["auth"] = auth;
      changes.agents_added[plan.agent] = plan.summary;
    }
  }
  return apply_managed(context, changes, manifest);
}

ManagedUndo
unconfigure_managed(Context& context, std::vector<std::string> agents)
{
  const core::Paths state = core::managed_state_paths(context.paths);
  check_access(context, {state.state_file()});
  auto manifest = util::value_or_throw(core::load_manifest(state.state_file()));
  if (agents.empty()) {
    for (const auto& [agent, summary] : manifest.agents) {
      agents.push_back(agent);
    }
  }
  ManagedUndo undo{agents, {}};
  if (agents.empty()) {
    return undo;
  }
  auto changes = util::value_or_throw(core::plan_unconfigure(agents, manifest));
  undo.files = apply_managed(context, changes, manifest);
  return undo;
}

} // namespace aigw::cli
