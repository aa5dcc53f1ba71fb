// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <sys/stat.h>

#include "core/credentials.hpp"
#include "support/test_context.hpp"

using aigw::core::read_token;
using aigw::core::TokenInput;

namespace {

aigw::core::EnvLookup
env_with(std::optional<std::string> token)
{
  return [token](const std::string& name) -> std::optional<std::string> {
    return name == "DATABRICKS_TOKEN" || name == "MY_PAT" ? token : std::nullopt;
  };
}

} // namespace

TEST_CASE("core::read_token")
{
  std::istringstream stdin_text("dapi-from-stdin\n");

  SUBCASE("stdin first, newline dropped")
  {
    TokenInput input{true};
    const auto token = read_token(input, stdin_text, env_with("dapi-env"));
    REQUIRE(token);
    CHECK(token->reveal() == "dapi-from-stdin");
  }

  SUBCASE("a file")
  {
    aigw::test::TempDir dir;
    aigw::test::write_bytes(dir / "pat", "dapi-from-file\r\n");
    TokenInput input;
    input.file = dir / "pat";
    CHECK(read_token(input, stdin_text, env_with(std::nullopt))->reveal() == "dapi-from-file");
  }

  SUBCASE("DATABRICKS_TOKEN, or the variable named")
  {
    CHECK(read_token({}, stdin_text, env_with("dapi-env"))->reveal() == "dapi-env");
    TokenInput input;
    input.env_name = "MY_PAT";
    CHECK(read_token(input, stdin_text, env_with("dapi-env"))->reveal() == "dapi-env");
  }

  SUBCASE("none: a usage error that says how to give one")
  {
    const auto token = read_token({}, stdin_text, env_with(std::nullopt));
    REQUIRE_FALSE(token);
    CHECK(token.error().kind == aigw::util::ErrorKind::usage);
    CHECK(token.error().message
          == "no token: pipe it to --token-stdin, name a file with --token-file, or export "
             "DATABRICKS_TOKEN");
  }

  SUBCASE("a token with a space inside is refused, and not echoed")
  {
    std::istringstream bad("dapi one two");
    const auto token = read_token(TokenInput{true}, bad, env_with(std::nullopt));
    REQUIRE_FALSE(token);
    CHECK(token.error().message.find("dapi") == std::string::npos);
  }
}

TEST_CASE("core::read_token reads a bounded amount from a regular file or stdin")
{
  using aigw::util::ErrorKind;
  constexpr std::size_t k_limit = 64 * 1024;
  std::istringstream no_stdin;
  aigw::test::TempDir dir;

  SUBCASE("stdin stops one byte past the limit and is refused without its content")
  {
    std::istringstream endless(std::string(8 * 1024 * 1024, 'a'));
    const auto token = read_token(TokenInput{true}, endless, env_with(std::nullopt));
    REQUIRE_FALSE(token);
    CHECK(token.error().kind == ErrorKind::usage);
    CHECK(token.error().message == "the token from standard input is too long");
    CHECK(endless.tellg() == static_cast<std::streamoff>(k_limit + 1));
  }

  SUBCASE("a token padded with line breaks up to the limit is read")
  {
    std::istringstream padded("dapi-padded" + std::string(k_limit - 11, '\n'));
    CHECK(read_token(TokenInput{true}, padded, env_with(std::nullopt))->reveal()
          == "dapi-padded");
  }

  SUBCASE("a file longer than the limit is refused, even when trimming would shorten it")
  {
    aigw::test::write_bytes(dir / "big", "dapi-big" + std::string(k_limit, '\n'));
    TokenInput input;
    input.file = dir / "big";
    const auto token = read_token(input, no_stdin, env_with(std::nullopt));
    REQUIRE_FALSE(token);
    CHECK(token.error().kind == ErrorKind::usage);
    CHECK(token.error().message == "the token from " + (dir / "big").string() + " is too long");
  }

  SUBCASE("a FIFO, a device or a link to one is refused without opening it")
  {
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    std::filesystem::create_symlink(dir / "fifo", dir / "link");
    for (const std::filesystem::path& path : {dir / "fifo", dir / "link",
                                              std::filesystem::path("/dev/null")}) {
      TokenInput input;
      input.file = path;
      const auto token = read_token(input, no_stdin, env_with(std::nullopt));
      REQUIRE_FALSE(token);
      CHECK(token.error().kind == ErrorKind::usage);
      CHECK(token.error().message == "--token-file " + path.string() + ": not a regular file");
    }
  }

  SUBCASE("a link to a regular file is followed; a missing file is named")
  {
    aigw::test::write_bytes(dir / "pat", "dapi-linked\n");
    std::filesystem::create_symlink(dir / "pat", dir / "link");
    TokenInput input;
    input.file = dir / "link";
    CHECK(read_token(input, no_stdin, env_with(std::nullopt))->reveal() == "dapi-linked");
    input.file = dir / "missing";
    CHECK(read_token(input, no_stdin, env_with(std::nullopt)).error().message
          == "--token-file " + (dir / "missing").string() + ": no such file");
  }
}

TEST_CASE("core credential file round trip")
{
  aigw::test::TempDir dir;
  aigw::core::StoredCredential stored{"pat", aigw::util::Secret("dapi-stored-1")};
  aigw::test::write_bytes(dir / "c.json", aigw::core::credential_file_text(stored));
  const auto loaded = aigw::core::load_credential(dir / "c.json");
  REQUIRE(loaded);
  CHECK(loaded->token->reveal() == "dapi-stored-1");

  const auto missing = aigw::core::load_credential(dir / "none.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no credential is configured") == 0);
}
