// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <random>
#include <thread>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/file_lock.hpp"
#include "config/safe_writer.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::config::SafeWriter;
using aigw::config::Sensitivity;
using aigw::config::WriteStatus;
using aigw::test::read_bytes;
using aigw::test::TempDir;
using aigw::test::write_bytes;

namespace {

unsigned
mode_of(const fs::path& path)
{
  struct stat info
  {
  };
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

std::size_t
count_entries(const fs::path& dir)
{
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("config::SafeWriter::write")
{
  TempDir dir;
  const SafeWriter writer(dir / "backups");
  const fs::path target = dir / "home/.claude/settings.json";

  SUBCASE("a new file is created with its folders")
  {
    auto outcome = writer.write(target, "{}\n", Sensitivity::plain);
    REQUIRE(outcome);
    CHECK(outcome->status == WriteStatus::created);
    CHECK(read_bytes(target) == "{}\n");
    CHECK_FALSE(outcome->backup);
  }

  SUBCASE("a new secret file is 0600 in a 0700 folder")
  {
    REQUIRE(writer.write(target, "token", Sensitivity::secret));
    CHECK(mode_of(target) == 0600);
    CHECK(mode_of(target.parent_path()) == 0700);
  }

  SUBCASE("an existing file keeps its mode, and is backed up first")
  {
    write_bytes(target, "old\n");
    ::chmod(target.c_str(), 0640);
    auto outcome = writer.write(target, "new\n", Sensitivity::plain);
    REQUIRE(outcome);
    CHECK(outcome->status == WriteStatus::changed);
    CHECK(mode_of(target) == 0640);
    REQUIRE(outcome->backup);
    CHECK(read_bytes(*outcome->backup) == "old\n");
    CHECK(mode_of(*outcome->backup) == 0600);

    const auto backups = aigw::config::list_backups(dir / "backups");
    REQUIRE(backups.size() == 1);
    CHECK(backups[0].original == target);
    CHECK(backups[0].backup == *outcome->backup);
  }

  SUBCASE("a secret tightens a readable file to 0600")
  {
    write_bytes(target, "old\n");
    ::chmod(target.c_str(), 0644);
    REQUIRE(writer.write(target, "new\n", Sensitivity::secret));
    CHECK(mode_of(target) == 0600);
  }

  SUBCASE("identical content is not rewritten and not backed up")
  {
    write_bytes(target, "same\n");
    auto outcome = writer.write(target, "same\n", Sensitivity::plain);
    REQUIRE(outcome);
    CHECK(outcome->status == WriteStatus::unchanged);
    CHECK_FALSE(fs::exists(dir / "backups"));
  }

  SUBCASE("a symlinked file is written through and the link is kept")
  {
    const fs::path real = dir / "dotfiles/settings.json";
    write_bytes(real, "old\n");
    fs::create_directories(target.parent_path());
    fs::create_symlink("../../dotfiles/settings.json", target);

    auto outcome = writer.write(target, "new\n", Sensitivity::plain);
    REQUIRE(outcome);
    CHECK(fs::is_symlink(target));
    CHECK(read_bytes(real) == "new\n");
    CHECK(fs::equivalent(outcome->target, real));
  }

  SUBCASE("a folder that cannot be created names the path and leaves nothing behind")
  {
    write_bytes(dir / "home/.claude", "a file where a folder should be");
    auto outcome = writer.write(target, "{}\n", Sensitivity::plain);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().kind == aigw::util::ErrorKind::write);
    CHECK(outcome.error().message.find((dir / "home/.claude").string()) != std::string::npos);
    CHECK(count_entries(dir / "home") == 1);
  }
}

TEST_CASE("config::SafeWriter::remove")
{
  TempDir dir;
  const SafeWriter writer(dir / "backups");
  write_bytes(dir / "f", "content");
  auto outcome = writer.remove(dir / "f");
  REQUIRE(outcome);
  CHECK(outcome->status == WriteStatus::removed);
  CHECK_FALSE(fs::exists(dir / "f"));
  CHECK(read_bytes(*outcome->backup) == "content");
}

// Kill the writer at random moments: the target must always hold one whole version.
TEST_CASE("config::SafeWriter survives SIGKILL at any point")
{
  TempDir dir;
  const fs::path target = dir / "config.toml";
  const std::string version_a(256 * 1024, 'a');
  const std::string version_b(384 * 1024, 'b');
  write_bytes(target, version_a);

  std::mt19937 random(12345);
  std::uniform_int_distribution<int> delay_us(0, 20000);
  for (int run = 0; run < 120; ++run) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      const SafeWriter writer(dir / "backups");
      for (int i = 0;; ++i) {
        (void)writer.write(target, i % 2 == 0 ? version_b : version_a, Sensitivity::plain);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);

    const std::string now = read_bytes(target);
    const bool whole = now == version_a || now == version_b;
    REQUIRE_MESSAGE(whole, "run " << run << " left " << now.size() << " bytes");
  }
}

TEST_CASE("config::FileLock")
{
  TempDir dir;
  const fs::path lock_path = dir / "state/lock";

  SUBCASE("a second holder waits until the first lets go")
  {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      auto held = aigw::config::FileLock::acquire(lock_path, std::chrono::seconds(5));
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      ::_exit(held ? 0 : 1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

    SUBCASE("a short timeout names the holder")
    {
      auto lock = aigw::config::FileLock::acquire(lock_path, std::chrono::milliseconds(50));
      REQUIRE_FALSE(lock);
      CHECK(lock.error().message.find("(pid " + std::to_string(child) + ")")
            != std::string::npos);
    }
    auto lock = aigw::config::FileLock::acquire(lock_path, std::chrono::seconds(10));
    CHECK(lock);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WEXITSTATUS(status) == 0);
  }
}
