// SPDX-License-Identifier: MIT
// `apply` with relay.auth through the real binary: for each credential of the relay, a home
// set up by `apply -f FILE` gets the very relay.json and credential file that
// `configure --auth relay --relay-auth X` writes in another home, from one shared
// ~/.databrickscfg (auth.profile plays configure's --profile). Nothing is contacted: the
// workspace is a loopback address that only goes into the files.
#include <doctest/doctest.h>

#include "support/cli_runner.hpp"
#include "support/home_tree.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::read_bytes;
using aigw::test::run_cli;
using aigw::test::TempDir;
using aigw::test::write_bytes;

namespace {

const std::string k_host = "https://127.0.0.1:9";
const std::string k_token = "dapi-test-token-4f3a9c";

// One profile, `fleet`, with what `method` needs: a host, and a service principal for M2M.
std::string
databrickscfg(const std::string& method)
{
  std::string text = "[fleet]\nhost = " + k_host + "\n";
  if (method == "databricks-cli") {
    text += "auth_type = databricks-cli\n";
  } else if (method == "oauth-m2m") {
    text += "client_id = fleet-sp\nclient_secret = fleet-sp-not-a-real-secret\n";
  }
  return text;
}

// The same relay, once from the command line and once from a rollout file, in two homes.
struct Rig
{
  TempDir dir;
  fs::path configured = dir / "configured";
  fs::path applied = dir / "applied";
  std::string method;

  explicit Rig(std::string relay_auth) : method(std::move(relay_auth))
  {
    write_bytes(dir / "databrickscfg", databrickscfg(method));
    fs::create_directories(configured);
    fs::create_directories(applied);
  }

  std::map<std::string, std::string> env() const
  {
    return {{"DATABRICKS_CONFIG_FILE", (dir / "databrickscfg").string()},
            {"AIGW_TEST_TOKEN", k_token}};
  }

  // A token for pat, the profile for an OAuth credential (which keeps no token).
  aigw::test::CliResult configure() const
  {
    std::vector<std::string> args{"--home", configured.string(), "configure", "claude",
                                  "--auth", "relay", "--relay-auth", method, "--relay",
                                  "127.0.0.1:8799"};
    const std::vector<std::string> credential =
      method == "pat"
        ? std::vector<std::string>{"--workspace", k_host, "--token-env", "AIGW_TEST_TOKEN"}
        : std::vector<std::string>{"--profile", "fleet"};
    args.insert(args.end(), credential.begin(), credential.end());
    return run_cli(args, "", env());
  }

  // With pat, auth.profile only names the workspace; with OAuth it is --profile as well.
  aigw::test::CliResult apply() const
  {
    const std::string token = method == "pat" ? "  token_env: AIGW_TEST_TOKEN\n" : "";
    write_bytes(dir / "rollout.yaml", "version: 1\n"
                                      "auth:\n"
                                      "  method: relay\n"
                                      "  profile: fleet\n"
                                        + token
                                        + "relay:\n"
                                          "  listen: 127.0.0.1:8799\n"
                                          "  auth: "
                                        + method + "\nagents: {claude: }\n");
    return run_cli({"--home", applied.string(), "apply", "-f", (dir / "rollout.yaml").string()},
                   "", env());
  }

  std::string file(const fs::path& home, const char* name) const
  {
    return read_bytes(home / aigw::test::k_tool_dir / name);
  }
};

// What every relay here forwards to: the profile's workspace.
const std::string k_relay_json = "{\n  \"listen\": \"127.0.0.1:8799\",\n  \"workspace\": \""
                                 + k_host + "\"\n}\n";

} // namespace

TEST_CASE("cli apply with relay.auth writes the relay files configure --relay-auth writes")
{
  for (const std::string method : {"pat", "databricks-cli", "oauth-m2m"}) {
    CAPTURE(method);
    const Rig rig(method);
    const auto configured = rig.configure();
    INFO(configured.err);
    REQUIRE(configured.exit_code == 0);
    const auto applied = rig.apply();
    INFO(applied.err);
    REQUIRE(applied.exit_code == 0);

    CHECK(rig.file(rig.configured, "relay.json") == k_relay_json);
    CHECK(rig.file(rig.applied, "relay.json") == rig.file(rig.configured, "relay.json"));
    CHECK(rig.file(rig.applied, "credentials.json")
          == rig.file(rig.configured, "credentials.json"));
    CHECK(applied.out
          == "claude: created ~/.claude/settings.json\n"
             "relay: created ~/.config/aigw-setup/relay.json\n"
             "relay: created ~/.config/aigw-setup/relay.key\n"
             "step parse: ok: version 1, agents claude; workspace from profile fleet\n"
             "step configure: ok: 1 files: 1 created, 0 changed, 0 unchanged\n"
             "step relay: ok: the agents use the relay at http://127.0.0.1:8799; keep "
             "`aigw-setup relay` running\n"
             "step telemetry: skipped: the file has no telemetry section\n");
  }
}

TEST_CASE("cli apply keeps only the OAuth relay's method, host and profile")
{
  const Rig rig("databricks-cli");
  const auto applied = rig.apply();
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  // No token: the relay has the databricks CLI mint one for the profile when it needs one.
  CHECK(rig.file(rig.applied, "credentials.json")
        == "{\n  \"version\": 1,\n  \"auth\": \"databricks-cli\",\n  \"host\": \"" + k_host
             + "\",\n  \"profile\": \"fleet\"\n}\n");
}
