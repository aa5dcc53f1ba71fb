// SPDX-License-Identifier: MIT
// `relay install` and `relay uninstall`: the exact unit and plist, idempotence, the dry run,
// the JSON report, and the service-manager commands. No test starts or enables a real
// service: each gives --home or --no-start, or runs with PATH holding only a fake
// systemctl that records its arguments.
#include <doctest/doctest.h>

#include <unistd.h>

#include <map>

#include "support/cli_runner.hpp"
#include "support/test_context.hpp"
#include "util/fs.hpp"
#include "util/process.hpp"

namespace fs = std::filesystem;
using aigw::test::read_bytes;
using aigw::test::run_cli;
using aigw::test::TempDir;

namespace {

constexpr const char* k_exe = "/opt/aigw/bin/aigw-setup";

unsigned
mode_of(const fs::path& path)
{
  const auto stat = aigw::util::stat_file(path);
  REQUIRE(stat);
  return stat->mode;
}

std::string
expected_unit(const std::string& exec_start, const std::string& environment = "")
{
  return "# aigw-setup's local relay as a systemd user service. Written by `aigw-setup relay\n"
         "# install`; `aigw-setup relay uninstall` stops and removes it. No secret is in this\n"
         "# file: the relay reads relay.json and relay.key from its own folder.\n"
         "[Unit]\n"
         "Description=aigw-setup relay: the local endpoint of coding agents to the AI Gateway\n"
         "Documentation=man:aigw-setup(1)\n"
         "\n"
         "[Service]\n"
         "Type=simple\n"
         + environment + "ExecStart=" + exec_start + "\n"
         + "Restart=on-failure\n"
           "RestartSec=5\n"
           "UMask=0077\n"
           "NoNewPrivileges=yes\n"
           "LockPersonality=yes\n"
           "MemoryDenyWriteExecute=yes\n"
           "RestrictRealtime=yes\n"
           "RestrictSUIDSGID=yes\n"
           "RestrictNamespaces=yes\n"
           "SystemCallArchitectures=native\n"
           "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"
           "\n"
           "[Install]\n"
           "WantedBy=default.target\n";
}

// A folder holding only a `systemctl` that appends its arguments to `log` and exits with
// `exit_code`, after printing `message` on stderr.
fs::path
fake_systemctl(const TempDir& dir, int exit_code, const std::string& message = "")
{
  const fs::path bin = dir / "fakebin";
  aigw::test::write_bytes(bin / "systemctl",
                          "#!/bin/sh\necho \"$*\" >> " + (dir / "systemctl.log").string()
                            + "\necho '" + message + "' >&2\nexit " + std::to_string(exit_code)
                            + "\n");
  fs::permissions(bin / "systemctl", fs::perms(0755));
  return bin;
}

} // namespace

TEST_CASE("cli relay install: systemd")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  const fs::path unit = dir / "home/.config/systemd/user/aigw-setup-relay.service";
  const std::vector<std::string> install{"--home", home, "relay", "install", "--executable",
                                         k_exe, "--listen", "127.0.0.1:9000", "--offline"};

  SUBCASE("the unit, 0644, and what to run to start it")
  {
    const auto result = run_cli(install);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out
          == "relay service (systemd): created ~/.config/systemd/user/aigw-setup-relay.service\n"
             "not run (--home names another home):\n"
             "  systemctl --user daemon-reload\n"
             "  systemctl --user enable --now aigw-setup-relay.service\n");
    CHECK(read_bytes(unit)
          == expected_unit(std::string(k_exe) + " relay --listen 127.0.0.1:9000 --offline --home "
                           + home));
    CHECK(mode_of(unit) == 0644);
  }

  SUBCASE("a second install changes no byte; a new address changes the file, with a backup")
  {
    REQUIRE(run_cli(install).exit_code == 0);
    const std::string first = read_bytes(unit);
    const auto again = run_cli(install);
    CHECK(again.exit_code == 0);
    CHECK(again.out.rfind("relay service (systemd): unchanged ~/.config/systemd/user/", 0) == 0);
    CHECK(read_bytes(unit) == first);
    CHECK_FALSE(fs::exists(dir / "home/.config/aigw-setup/backups"));

    auto moved = install;
    moved[7] = "127.0.0.1:9001";
    const auto changed = run_cli(moved);
    CHECK(changed.exit_code == 0);
    CHECK(changed.out.find("relay service (systemd): changed ") == 0);
    CHECK(changed.out.find("(backup ~/.config/aigw-setup/backups/") != std::string::npos);
    CHECK(read_bytes(unit).find("--listen 127.0.0.1:9001 ") != std::string::npos);
    CHECK(mode_of(unit) == 0644);
  }

  SUBCASE("--dry-run shows the diff and writes nothing")
  {
    auto dry = install;
    dry.insert(dry.begin(), "--dry-run");
    const auto result = run_cli(dry);
    CHECK(result.exit_code == 0);
    CHECK(result.out.rfind("--- " + unit.string() + "\n+++ " + unit.string() + "\n", 0) == 0);
    CHECK(result.out.find("\n+ExecStart=/opt/aigw/bin/aigw-setup relay --listen")
          != std::string::npos);
    CHECK(result.out.find("dry run: nothing was written\nnot run (dry run):\n")
          != std::string::npos);
    CHECK_FALSE(fs::exists(unit));
  }

  SUBCASE("--json reports the file and the commands")
  {
    auto json = install;
    json.insert(json.begin(), "--json");
    const auto result = run_cli(json);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "{\n"
                        "  \"command\": \"relay install\",\n"
                        "  \"dry_run\": false,\n"
                        "  \"service_manager\": \"systemd\",\n"
                        "  \"file\": {\n"
                        "    \"path\": \"" + unit.string() + "\",\n"
                        "    \"status\": \"created\"\n"
                        "  },\n"
                        "  \"manager_run\": false,\n"
                        "  \"commands\": [\n"
                        "    \"systemctl --user daemon-reload\",\n"
                        "    \"systemctl --user enable --now aigw-setup-relay.service\"\n"
                        "  ]\n"
                        "}\n");
  }

  SUBCASE("a listen address off loopback is refused")
  {
    auto wide = install;
    wide[7] = "0.0.0.0:9000";
    const auto result = run_cli(wide);
    CHECK(result.exit_code == 2);
    CHECK_FALSE(fs::exists(unit));
  }
}

TEST_CASE("cli relay install: launchd plist")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  const auto result = run_cli({"--home", home, "relay", "install", "--service-manager",
                               "launchd", "--executable", k_exe, "--offline"});
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(result.out == "relay service (launchd): created "
                      "~/Library/LaunchAgents/org.aigw-setup.relay.plist\n"
                      "not run (--home names another home):\n"
                      "  launchctl bootstrap gui/" + std::to_string(::getuid()) + " " + home
                        + "/Library/LaunchAgents/org.aigw-setup.relay.plist\n");
  const std::string log = home + "/.config/aigw-setup/relay.log";
  CHECK(read_bytes(dir / "home/Library/LaunchAgents/org.aigw-setup.relay.plist")
        == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
           "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
           "<!-- aigw-setup's local relay as a launchd agent. Written by `aigw-setup relay "
           "install`;\n"
           "     `aigw-setup relay uninstall` stops and removes it. No secret is in this file. "
           "-->\n"
           "<plist version=\"1.0\">\n"
           "<dict>\n"
           "  <key>Label</key>\n"
           "  <string>org.aigw-setup.relay</string>\n"
           "  <key>ProgramArguments</key>\n"
           "  <array>\n"
           "    <string>/opt/aigw/bin/aigw-setup</string>\n"
           "    <string>relay</string>\n"
           "    <string>--offline</string>\n"
           "    <string>--home</string>\n"
           "    <string>" + home + "</string>\n"
           "  </array>\n"
           "  <key>RunAtLoad</key>\n"
           "  <true/>\n"
           "  <key>KeepAlive</key>\n"
           "  <dict>\n"
           "    <key>SuccessfulExit</key>\n"
           "    <false/>\n"
           "  </dict>\n"
           "  <key>StandardOutPath</key>\n"
           "  <string>" + log + "</string>\n"
           "  <key>StandardErrorPath</key>\n"
           "  <string>" + log + "</string>\n"
           "</dict>\n"
           "</plist>\n");
}

TEST_CASE("cli relay install: the service manager")
{
  TempDir dir;
  const std::string home = (dir / "home").string();
  const fs::path unit = dir / "home/.config/systemd/user/aigw-setup-relay.service";
  const std::vector<std::string> install{"relay", "install", "--executable", k_exe, "--offline"};

  SUBCASE("enabled and started; uninstall stops it and removes the file")
  {
    const auto bin = fake_systemctl(dir, 0);
    const std::map<std::string, std::string> env{{"HOME", home}, {"PATH", bin.string()}};
    const auto result = run_cli(install, "", env);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("\nran:\n  systemctl --user daemon-reload\n") != std::string::npos);
    CHECK(read_bytes(dir / "systemctl.log")
          == "--user daemon-reload\n--user enable --now aigw-setup-relay.service\n");
    CHECK(read_bytes(unit) == expected_unit(std::string(k_exe) + " relay --offline"));

    const auto removed = run_cli({"relay", "uninstall"}, "", env);
    CHECK(removed.exit_code == 0);
    CHECK(removed.out.rfind("relay service (systemd): removed "
                            "~/.config/systemd/user/aigw-setup-relay.service (backup ~/",
                            0)
          == 0);
    CHECK(read_bytes(dir / "systemctl.log")
          == "--user daemon-reload\n--user enable --now aigw-setup-relay.service\n"
             "--user disable --now aigw-setup-relay.service\n--user daemon-reload\n");
    CHECK_FALSE(fs::exists(unit));

    const auto again = run_cli({"relay", "uninstall"}, "", env);
    CHECK(again.exit_code == 0);
    CHECK(again.out == "relay service (systemd): not installed, nothing at "
                       "~/.config/systemd/user/aigw-setup-relay.service\n");
  }

  SUBCASE("$XDG_CONFIG_HOME is honoured and passed on; --no-start runs nothing")
  {
    const auto bin = fake_systemctl(dir, 0);
    const std::string xdg = (dir / "xdg").string();
    auto no_start = install;
    no_start.push_back("--no-start");
    const auto result =
      run_cli(no_start, "", {{"HOME", home}, {"PATH", bin.string()}, {"XDG_CONFIG_HOME", xdg}});
    CHECK(result.exit_code == 0);
    CHECK(read_bytes(dir / "xdg/systemd/user/aigw-setup-relay.service")
          == expected_unit(std::string(k_exe) + " relay --offline",
                           "Environment=XDG_CONFIG_HOME=" + xdg + "\n"));
    CHECK_FALSE(fs::exists(dir / "systemctl.log"));
  }

  SUBCASE("a failing systemctl: exit 5, the file kept, the commands to run by hand")
  {
    const auto bin = fake_systemctl(dir, 1, "Failed to connect to bus: No medium found");
    const auto result = run_cli(install, "", {{"HOME", home}, {"PATH", bin.string()}});
    CHECK(result.exit_code == 5);
    CHECK(result.out.empty());
    CHECK(result.err == "aigw-setup: error: wrote " + unit.string()
                          + ", but `systemctl --user daemon-reload` failed: Failed to connect "
                            "to bus: No medium found; run by hand:\n"
                            "  systemctl --user daemon-reload\n"
                            "  systemctl --user enable --now aigw-setup-relay.service\n");
    CHECK(fs::exists(unit));
  }
}

namespace {

// What `systemd-analyze --user verify` says of `unit`, run with a runtime folder of our own
// (the sandbox has no user session).
aigw::util::ProcessOutput
verify_unit(const TempDir& dir, const std::string& unit)
{
  fs::create_directories(dir / "runtime");
  fs::permissions(dir / "runtime", fs::perms(0700));
  aigw::util::CaptureOptions options;
  options.capture_stderr = true;
  return aigw::util::run_capture({"env", "XDG_RUNTIME_DIR=" + (dir / "runtime").string(),
                                  "systemd-analyze", "--user", "--man=no", "verify", unit},
                                 options);
}

} // namespace

TEST_CASE("cli relay install: systemd-analyze verify accepts the unit")
{
  if (!aigw::util::find_on_path("systemd-analyze")) {
    MESSAGE("systemd-analyze is not installed: the unit is verified where it is");
    return;
  }
  TempDir dir;

  SUBCASE("as written for the real binary")
  {
    // ExecStart must name a program that exists for verify to pass: the real binary.
    const std::string home = (dir / "home").string();
    REQUIRE(run_cli({"--home", home, "relay", "install", "--executable", AIGW_BINARY,
                     "--listen", "127.0.0.1:9000"})
              .exit_code
            == 0);
    const auto checked = verify_unit(dir, home + "/.config/systemd/user/aigw-setup-relay.service");
    CHECK(checked.err == "");
    CHECK(checked.exit_code == 0);
  }

  SUBCASE("with spaces, % and $ in the paths, quoted and escaped")
  {
    const fs::path program = dir / "my dir%x/aigw$1";
    aigw::test::write_bytes(program, "#!/bin/sh\n");
    fs::permissions(program, fs::perms(0755));
    const std::string home = (dir / "home $HOME").string();
    REQUIRE(run_cli({"--home", home, "relay", "install", "--executable", program.string(),
                     "--offline"})
              .exit_code
            == 0);
    const std::string unit = home + "/.config/systemd/user/aigw-setup-relay.service";
    CHECK(read_bytes(unit).find("\nExecStart=\"" + (dir / "my dir%%x/aigw$1").string()
                                + "\" relay --offline --home \"" + (dir / "home $$HOME").string()
                                + "\"\n")
          != std::string::npos);
    const auto checked = verify_unit(dir, unit);
    CHECK(checked.err == "");
    CHECK(checked.exit_code == 0);
  }
}

TEST_CASE("cli relay install: a newline in a path cannot add a line to the unit")
{
  const TempDir dir;
  const std::string home = (dir / "nl").string() + "\nExecStartPre=/bin/true";
  const auto result = run_cli({"--home", home, "relay", "install", "--no-start"});
  CHECK(result.exit_code == 2);
  CHECK(result.err == "aigw-setup: error: cannot write a service for a path or argument with a "
                      "control character (a newline, say) in it: \"" + (dir / "nl").string()
                        + "\\x0aExecStartPre=/bin/true\"\n");
  CHECK_FALSE(fs::exists(dir / "nl\nExecStartPre=/bin/true"));
}
