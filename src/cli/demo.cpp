// SPDX-License-Identifier: MIT
// `demo`: the whole main job with no account and no network. In a throwaway home (or the
// one --home names) it starts the offline relay on a free loopback port, configures all
// four agents against it, runs `test` on every route and `doctor`, shows what was written
// where, then stops the relay and removes the throwaway home. Each step runs as a child
// process of this binary with --home pointing into the demo, exactly the command a user
// would type, so the user's own files are never read or written; the Databricks variables
// of the user's shell are kept from the children for the same reason.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "config/safe_writer.hpp"
#include "net/relay_server.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

namespace aigw::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr std::chrono::milliseconds k_step_timeout{180'000};

const std::vector<std::string> k_user_variables{
  "DATABRICKS_HOST",         "DATABRICKS_TOKEN",      "DATABRICKS_CONFIG_PROFILE",
  "DATABRICKS_CONFIG_FILE",  "DATABRICKS_CLIENT_ID",  "DATABRICKS_CLIENT_SECRET",
  "DATABRICKS_AUTH_TYPE",    "CLAUDE_CONFIG_DIR",     "CODEX_HOME",
  "GEMINI_CLI_HOME",         "ANTHROPIC_AUTH_TOKEN",  "ANTHROPIC_API_KEY",
  "GEMINI_API_KEY",          "AIGW_WORKSPACE",        "AIGW_GATEWAY",
};

struct DemoOptions
{
  bool keep = false;
};

// The demo points every agent at a relay that stops when it ends: in a home someone uses,
// that would break their setup, so --home must name a new or empty folder.
void
refuse_lived_in(const fs::path& home)
{
  std::error_code error;
  if (!fs::exists(home, error) || fs::is_empty(home, error)) {
    return;
  }
  throw util::Fatal(util::ErrorKind::usage,
                    "--home " + home.string() + " is not empty: demo would point its agents at a "
                    "relay that stops when the demo ends; give a new or empty folder, or leave "
                    "--home out for a throwaway one");
}

// The demo's home: a new folder under the temporary directory, removed at the end unless
// kept, or the folder --home named, which is never removed.
class DemoHome
{
public:
  DemoHome(const Context& context, bool keep)
  {
    if (context.global.home) {
      refuse_lived_in(context.paths.home);
      m_path = context.paths.home;
      m_remove = false;
      return;
    }
    std::string pattern = (fs::temp_directory_path() / "aigw-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw util::Fatal(util::ErrorKind::write,
                        "cannot make a throwaway home under " + fs::temp_directory_path().string());
    }
    m_path = pattern;
    m_remove = !keep;
  }
  DemoHome(const DemoHome&) = delete;
  DemoHome& operator=(const DemoHome&) = delete;
  ~DemoHome()
  {
    if (m_remove) {
      std::error_code ignored;
      fs::remove_all(m_path, ignored);
    }
  }

  const fs::path& path() const { return m_path; }
  bool removed_at_end() const { return m_remove; }

private:
  fs::path m_path;
  bool m_remove = true;
};

struct Step
{
  std::string name;
  std::vector<std::string> args; // after `aigw-setup --home HOME`
  util::ProcessOutput output;
};

Step
run_step(const Context& context, const fs::path& home, std::vector<std::string> args)
{
  std::vector<std::string> argv{util::current_executable(), "--home", home.string()};
  if (context.global.json) {
    argv.emplace_back("--json");
  }
  argv.insert(argv.end(), args.begin(), args.end());

  util::CaptureOptions capture;
  capture.timeout = k_step_timeout;
  capture.capture_stderr = true;
  capture.unset_env = k_user_variables;
  Step step{args.front(), std::move(args), util::run_capture(argv, capture)};
  return step;
}

std::string
command_line(const fs::path& home, const std::vector<std::string>& args)
{
  std::string line = "aigw-setup --home " + home.string();
  for (const auto& arg : args) {
    line += " " + arg;
  }
  return line;
}

void
show_step(Context& context, const fs::path& home, const Step& step)
{
  context.out.line("");
  context.out.line("demo: $ " + command_line(home, step.args));
  if (!context.out.json()) {
    std::cout << step.output.out;
  }
  std::cerr << step.output.err;
  if (step.output.exit_code != 0) {
    context.out.line("demo: `" + step.name + "` exited with "
                     + std::to_string(step.output.exit_code));
  }
}

Json
step_json(const Step& step)
{
  Json result = nullptr;
  if (!step.output.out.empty()) {
    result = Json::parse(step.output.out, nullptr, false);
    if (result.is_discarded()) {
      result = nullptr;
    }
  }
  return {{"step", step.name},
          {"args", step.args},
          {"exit_code", step.output.exit_code},
          {"result", result}};
}

// The offline relay, in this process, on a free loopback port. The key it creates in the
// demo home is the one `configure --auth relay` then hands to the agents.
std::unique_ptr<net::Relay>
start_relay(const Context& context, const core::Paths& paths)
{
  net::RelayOptions options;
  options.mode = net::RelayMode::offline;
  options.spool_dir = paths.tool_dir / "spool";
  const config::SafeWriter writer(paths.backup_dir());
  options.key_file = net::default_key_file(paths);
  options.key = util::value_or_throw(net::load_or_create_relay_key(options.key_file, writer));

  auto credentials =
    std::make_shared<net::StoredCredentialSource>(paths.credentials_file(), context.env);
  auto relay = std::make_unique<net::Relay>(options, credentials, net::make_curl_client());
  util::throw_on_error(relay->start());
  return relay;
}

// `project` is an empty folder for doctor to take as the one the agents run in: the folder
// demo was started from may hold the user's own project files, which would then be read.
std::vector<std::vector<std::string>>
demo_steps(int port, const std::filesystem::path& project)
{
  const std::string relay = "127.0.0.1:" + std::to_string(port);
  return {
    {"configure", "--all", "--auth", "relay", "--relay", relay, "--gemini-trust", "off",
     "--skip-onboarding", "--cursor-model", "databricks-claude-sonnet-4-5"},
    {"status"},
    {"test", "claude", "codex", "gemini", "cursor"},
    // Cursor calls its base URL from Cursor's own servers, which cannot reach a loopback
    // relay: true on every real machine, but not what the demo shows.
    {"doctor", "--skip", "cursor.private_url", "--project", project.string()},
  };
}

ExitCode
run_demo(const DemoOptions& options, Context& context)
{
  if (context.global.dry_run) {
    throw util::Fatal(util::ErrorKind::usage,
                      "demo writes only inside its own throwaway home, so --dry-run has "
                      "nothing to hold back; run `aigw-setup demo` as it is");
  }
  const DemoHome home(context, options.keep);
  const auto paths = core::resolve_paths(core::host_platform(), home.path(),
                                         core::HomeSource::explicit_home, context.env);
  context.out.line("demo: home " + home.path().string()
                   + (home.removed_at_end() ? " (thrown away at the end; --keep keeps it)"
                                            : " (kept)"));
  auto relay = start_relay(context, paths);
  const std::string relay_url = "http://127.0.0.1:" + std::to_string(relay->port());
  context.out.line("demo: offline relay listening on " + relay_url);

  Json steps = Json::array();
  bool all_passed = true;
  const auto project = home.path() / "project";
  util::throw_on_error(util::create_directories(project, 0700));
  for (auto& args : demo_steps(relay->port(), project)) {
    const Step step = run_step(context, home.path(), std::move(args));
    show_step(context, home.path(), step);
    steps.push_back(step_json(step));
    all_passed = all_passed && step.output.exit_code == 0;
  }
  relay->stop();

  context.out.line("");
  context.out.line(std::string("demo: ") + (all_passed ? "every step passed" : "a step failed")
                   + "; relay stopped"
                   + (home.removed_at_end() ? "; " + home.path().string() + " removed" : "")
                   + "; no file outside it was touched");
  context.out.document({{"command", "demo"},
                        {"home", home.path().string()},
                        {"kept", !home.removed_at_end()},
                        {"relay", relay_url},
                        {"steps", steps},
                        {"ok", all_passed}});
  return all_passed ? ExitCode::ok : ExitCode::failed;
}

} // namespace

CommandRunner
setup_demo(CLI::App& command)
{
  auto options = std::make_shared<DemoOptions>();
  command.add_flag("--keep", options->keep, "keep the throwaway home to look at afterwards");
  command.footer("\nExamples:\n"
                 "  aigw-setup demo\n"
                 "  aigw-setup demo --keep\n"
                 "  aigw-setup --home /tmp/try demo\n");
  return [options](Context& context) { return run_demo(*options, context); };
}

} // namespace aigw::cli
