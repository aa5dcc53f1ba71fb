// SPDX-License-Identifier: MIT
// The .databrickscfg reader: comments, quoting and sections as the Databricks tools read
// them, and which profile is chosen when none is named.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/databricks_auth.hpp"

namespace fs = std::filesystem;
using aigw::core::parse_databricks_config;

TEST_CASE("core::parse_databricks_config")
{
  const fs::path path = "/home/u/.databrickscfg";

  SUBCASE("comments, inline comments only after whitespace, quotes, DEFAULT above sections")
  {
    auto file = parse_databricks_config("\xEF\xBB\xBFtoken = top\n"
                                        "# comment\n"
                                        "  ; indented comment\n"
                                        "[a]\n"
                                        "password = p#ss;word\n"
                                        "host: https://a.example.com ; note\n"
                                        "quoted = 'x #y'\n"
                                        "single = 'x y'\n"
                                        "raw = `x #y`\n"
                                        "triple = \"\"\"a ; b\"\"\"\n"
                                        "Token = case-kept\n"
                                        "empty =\n"
                                        "[a]\n"
                                        "later = merged\r\n",
                                        path);
    REQUIRE(file);
    CHECK(file->sections.at("DEFAULT").at("token") == "top");
    const auto& a = file->sections.at("a");
    CHECK(a.at("password") == "p#ss;word");
    CHECK(a.at("host") == "https://a.example.com");
    CHECK(a.at("quoted") == "'x");
    CHECK(a.at("single") == "x y");
    CHECK(a.at("raw") == "x #y");
    CHECK(a.at("triple") == "a ; b");
    CHECK(a.at("Token") == "case-kept");
    CHECK(!a.contains("token"));
    CHECK(a.at("empty").empty());
    CHECK(a.at("later") == "merged");
  }

  SUBCASE("a line that is neither key nor section names file and line")
  {
    auto file = parse_databricks_config("[a]\nhost = x\njust words\n", path);
    REQUIRE(!file);
    CHECK(file.error().kind == aigw::util::ErrorKind::parse);
    CHECK(file.error().message
          == "/home/u/.databrickscfg:3: expected \"key = value\" or \"[profile]\"");
  }

  SUBCASE("an unclosed section")
  {
    auto file = parse_databricks_config("[a\n", path);
    REQUIRE(!file);
    CHECK(file.error().message == "/home/u/.databrickscfg:1: section header without \"]\"");
  }
}

TEST_CASE("core::select_profile of a databricks config")
{
  const fs::path path = "/home/u/.databrickscfg";
  using aigw::core::select_profile;

  SUBCASE("[__settings__] default_profile comes before DEFAULT")
  {
    auto file = parse_databricks_config(
      "[__settings__]\ndefault_profile = dev\n[DEFAULT]\nhost = d\n[dev]\nhost = x\n", path);
    REQUIRE(file);
    auto chosen = select_profile(*file, std::nullopt);
    REQUIRE(chosen);
    CHECK((*chosen)->name == "dev");
    CHECK(select_profile(*file, std::string("DEFAULT")).value()->values.at("host") == "d");
  }

  SUBCASE("no DEFAULT is no profile, and no error")
  {
    auto file = parse_databricks_config("[dev]\nhost = x\n", path);
    REQUIRE(file);
    auto chosen = select_profile(*file, std::nullopt);
    REQUIRE(chosen);
    CHECK(!chosen->has_value());
  }

  SUBCASE("a missing named profile")
  {
    auto file = parse_databricks_config("[dev]\nhost = x\n[empty]\n", path);
    REQUIRE(file);
    CHECK(select_profile(*file, std::string("prod")).error().message
          == "/home/u/.databrickscfg has no prod profile configured");
    CHECK(select_profile(*file, std::string("empty")).error().message
          == "/home/u/.databrickscfg has no empty profile configured");
  }

  SUBCASE("default_profile naming a missing profile")
  {
    auto file = parse_databricks_config("[__settings__]\ndefault_profile = gone\n", path);
    REQUIRE(file);
    CHECK(select_profile(*file, std::nullopt).error().message
          == "/home/u/.databrickscfg has no gone profile configured (named by [__settings__] "
             "default_profile)");
  }

  SUBCASE("__settings__ is not a profile")
  {
    auto file = parse_databricks_config("[__settings__]\ndefault_profile = dev\n", path);
    REQUIRE(file);
    auto chosen = select_profile(*file, std::string("__settings__"));
    REQUIRE(!chosen);
    CHECK(chosen.error().kind == aigw::util::ErrorKind::usage);
    CHECK(chosen.error().message == "__settings__ is reserved in /home/u/.databrickscfg and "
                                    "cannot be used as a profile");
  }
}
