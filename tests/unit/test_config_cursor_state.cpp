// SPDX-License-Identifier: MIT
// Cursor's state database through the real binary and a real SQLite file: configure
// --cursor-write-state writes the rows, keeps every other row, refuses while Cursor runs,
// and unconfigure puts the original rows back.
#include <doctest/doctest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::test::run_cli;
using aigw::test::TempDir;

namespace {

const std::string k_token = "dapi-cursor-secret-5a1b";
const char* k_settings_row = "src.vs.platform.reactivestorage.browser."
                             "reactiveStorageServiceImpl.persistentStorage.applicationUser";

fs::path
state_db(const fs::path& home)
{
  return home / ".config/Cursor/User/globalStorage/state.vscdb";
}

void
exec_sql(const fs::path& db_path, const std::string& sql)
{
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  INFO((message ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::map<std::string, std::string>
rows(const fs::path& db_path)
{
  std::map<std::string, std::string> result;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, "SELECT key, CAST(value AS TEXT) FROM ItemTable", -1, &statement,
                     nullptr);
  while (sqlite3_step(statement) == SQLITE_ROW) {
    result[reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))] =
      reinterpret_cast<const char*>(sqlite3_column_text(statement, 1));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

fs::path
cursor_home(const TempDir& dir)
{
  const fs::path home = dir / "home";
  fs::create_directories(state_db(home).parent_path());
  exec_sql(state_db(home),
           "PRAGMA journal_mode=WAL;"
           "CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);"
           "INSERT INTO ItemTable VALUES('workbench.panel.width', '300');"
           "INSERT INTO ItemTable VALUES('secret://cursorAuth/openAIKey', 'encrypted-old');"
           "INSERT INTO ItemTable VALUES('" + std::string(k_settings_row) + "', "
           "'{\"theme\":\"dark\",\"aiSettings\":{\"userAddedModels\":[\"my-model\"]}}');");
  return home;
}

std::vector<std::string>
configure_cursor(const fs::path& home)
{
  return {"--home", home.string(), "configure", "cursor", "--gateway",
          "https://gw.example.com", "--token-stdin", "--cursor-model", "databricks-gpt-5-2",
          "--cursor-write-state"};
}

} // namespace

TEST_CASE("config::CursorState through configure --cursor-write-state")
{
  TempDir dir;
  const fs::path home = cursor_home(dir);
  const auto original = rows(state_db(home));

  auto result = run_cli(configure_cursor(home), k_token);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find(k_token) == std::string::npos);
  CHECK(result.err.find(k_token) == std::string::npos);

  auto written = rows(state_db(home));
  CHECK(written.at("cursorAuth/openAIKey") == k_token);
  CHECK(written.count("secret://cursorAuth/openAIKey") == 0);
  CHECK(written.at("workbench.panel.width") == "300");
  const auto settings = nlohmann::ordered_json::parse(written.at(k_settings_row));
  CHECK(settings.dump()
        == R"({"theme":"dark","aiSettings":{"userAddedModels":["my-model","databricks-gpt-5-2"]},)"
           R"("openAIBaseUrl":"https://gw.example.com/cursor/v1","useOpenAIKey":true})");
  CHECK((fs::status(state_db(home)).permissions() & fs::perms::all)
        == (fs::perms::owner_read | fs::perms::owner_write));

  SUBCASE("configure again changes nothing")
  {
    auto again = run_cli(configure_cursor(home), k_token);
    REQUIRE(again.exit_code == 0);
    CHECK(rows(state_db(home)) == written);
  }
  SUBCASE("unconfigure puts the original rows back")
  {
    auto undo = run_cli({"--home", home.string(), "unconfigure", "cursor"});
    INFO(undo.err);
    REQUIRE(undo.exit_code == 0);
    CHECK(rows(state_db(home)) == original);
  }
  SUBCASE("a dry run shows the rows, with the token hidden")
  {
    auto dry = run_cli({"--home", home.string(), "--dry-run", "configure", "cursor",
                        "--gateway", "https://gw.example.com", "--token-stdin",
                        "--cursor-model", "other-model", "--cursor-write-state"},
                       k_token);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("+      \"other-model\"") != std::string::npos);
    CHECK(dry.out.find(k_token) == std::string::npos);
    CHECK(rows(state_db(home)) == written);
  }
}

TEST_CASE("config::CursorState refuses while Cursor runs")
{
  TempDir dir;
  const fs::path home = cursor_home(dir);
  const auto original = rows(state_db(home));

  // A process whose name is "cursor", as Cursor's own is on Linux.
  const fs::path fake = dir / "cursor";
  fs::copy_file("/bin/sleep", fake);
  const pid_t child = fork();
  if (child == 0) {
    execl(fake.c_str(), "cursor", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int tries = 0; tries < 200 && aigw::test::read_bytes(
                                       "/proc/" + std::to_string(child) + "/comm") != "cursor\n";
       ++tries) {
    usleep(10 * 1000);
  }

  auto result = run_cli(configure_cursor(home), k_token);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  CHECK(result.exit_code == 5);
  CHECK(result.err.find("aigw-setup: error: Cursor is running; quit it completely") == 0);
  CHECK(rows(state_db(home)) == original);
}

TEST_CASE("config::CursorState without a state database only prints the steps")
{
  TempDir dir;
  const fs::path home = dir / "home";
  fs::create_directories(home);
  auto result = run_cli(configure_cursor(home), k_token);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.find("state.vscdb does not exist: start Cursor once") != std::string::npos);
  CHECK_FALSE(fs::exists(state_db(home)));
}
