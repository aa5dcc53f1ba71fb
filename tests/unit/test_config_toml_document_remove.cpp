// SPDX-License-Identifier: MIT
// The TOML editor removing keys from Codex-shaped config.toml text: exact bytes after each
// removal, and what configure added coming out again as it went in.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/document.hpp"
#include "support/toml_edits.hpp"

using aigw::config::Json;
using aigw::test::toml_edits::configure_gateway;
using aigw::test::toml_edits::gateway_key;
using aigw::test::toml_edits::k_gateway;
using aigw::test::toml_edits::k_real_world;
using aigw::test::toml_edits::parsed;
using aigw::test::toml_edits::set_ok;
using aigw::test::toml_edits::with_crlf;

TEST_CASE("config::TomlDocument remove")
{
  SUBCASE("a key goes with its line; the comment above stays")
  {
    auto document = parsed(k_real_world);
    CHECK(document->remove({"model_reasoning_summary"}));
    std::string expected = k_real_world;
    expected.erase(expected.find("model_reasoning_summary"), 37);
    CHECK(document->text() == expected);
  }

  SUBCASE("a key spanning lines goes whole")
  {
    auto document = parsed(k_real_world);
    CHECK(document->remove({"mcp_servers", "docs", "args"}));
    std::string expected = k_real_world;
    const auto begin = expected.find("args = [");
    expected.erase(begin, expected.find("env = {") - begin);
    CHECK(document->text() == expected);
  }

  SUBCASE("inline-table members go with their comma")
  {
    auto document = parsed("h = { a = 1, b = 2, c = 3 }\n");
    CHECK(document->remove({"h", "b"}));
    CHECK(document->text() == "h = { a = 1, c = 3 }\n");
    CHECK(document->remove({"h", "c"}));
    CHECK(document->text() == "h = { a = 1 }\n");
    CHECK(document->remove({"h", "a"}));
    CHECK(document->text() == "h = {}\n");
    CHECK(document->is_empty_container({"h"}));
  }

  SUBCASE("a member of a nested inline table goes, dotted members too")
  {
    auto document = parsed("t = { a.b = 1, q = { r = 2, s = 3 }, a.c = 4 } # note\n");
    CHECK(document->remove({"t", "q", "r"}));
    CHECK(document->remove({"t", "a"}));
    CHECK(document->text() == "t = { q = { s = 3 } } # note\n");
  }

  SUBCASE("a whole table goes with its sub-tables and leading comment, up to the next one")
  {
    auto document = parsed(k_real_world);
    CHECK(document->remove({"model_providers"}));
    std::string expected = k_real_world;
    const auto begin = expected.find("[model_providers.ollama");
    expected.erase(begin, expected.find("[mcp_servers") - begin);
    CHECK(document->text() == expected);
  }

  SUBCASE("one table among siblings goes with its leading comment")
  {
    auto document = parsed(k_real_world);
    CHECK(document->remove({"model_providers", "team"}));
    std::string expected = k_real_world;
    const auto begin = expected.find("# Team proxy");
    expected.erase(begin, expected.find("[mcp_servers") - begin);
    CHECK(document->text() == expected);
  }

  SUBCASE("the last table leaves no blank line at the end")
  {
    auto document = parsed(k_real_world);
    CHECK(document->remove({"tui"}));
    CHECK(document->text() == k_real_world.substr(0, k_real_world.find("\n[tui]")));
  }

  SUBCASE("the legacy profile selector and its [profiles.x] table go")
  {
    auto document = parsed("# codex\nprofile = \"dev\"\nmodel = \"gpt-5\"\n\n"
                           "[profiles.dev]\nmodel = \"o3\"\nmodel_provider = \"proxy\"\n\n"
                           "[profiles.dev.features]\nweb_search = true\n\n"
                           "[tui]\ntheme = \"dark\"\n");
    CHECK(document->remove({"profile"}));
    CHECK(document->remove({"profiles", "dev"}));
    CHECK(document->text() == "# codex\nmodel = \"gpt-5\"\n\n[tui]\ntheme = \"dark\"\n");
    CHECK_FALSE(document->get({"profiles"}));
  }

  SUBCASE("a table made of dotted keys goes line by line")
  {
    auto document = parsed("[p]\nauth.command = \"/x\"\nname = \"n\"\nauth.args = []\n");
    CHECK(document->remove({"p", "auth"}));
    CHECK(document->text() == "[p]\nname = \"n\"\n");
  }

  SUBCASE("removing a key between blank lines leaves one blank line")
  {
    auto document = parsed("a = 1\n\nb = 2\n\nc = 3\n");
    CHECK(document->remove({"b"}));
    CHECK(document->text() == "a = 1\n\nc = 3\n");
  }

  SUBCASE("an absent key is not removed and the text stays")
  {
    auto document = parsed(k_real_world);
    CHECK_FALSE(document->remove({"profile"}));
    CHECK_FALSE(document->remove({"model", "x"}));
    CHECK_FALSE(document->remove({}));
    CHECK(document->text() == k_real_world);
  }

  SUBCASE("set then remove gives the original bytes back")
  {
    const std::vector<std::string> originals{
      k_real_world,
      with_crlf(k_real_world),
      "",
      "# my codex settings\n[tui]\ntheme = \"dark\"\n",
      "[tui]\ntheme = \"dark\"\n",
      "model = \"m\"",
      "# codex\r\nmodel = \"m\"\r\n\r\n[tui]\r\ntheme = \"dark\"\r\n",
      "[model_providers.x]\nname = \"x\"\nhttp_headers = { A = \"1\" }\n",
    };
    for (const auto& original : originals) {
      CAPTURE(original);
      auto document = parsed(original);
      set_ok(*document, {"model_provider"}, "databricks-ai-gateway");
      set_ok(*document, gateway_key("name"), "Databricks AI Gateway");
      set_ok(*document, gateway_key("http_headers"), Json{{"X-Team", "a"}});
      set_ok(*document, {"tui", "animations"}, false);
      set_ok(*document, {"model_providers", "x", "http_headers", "B"}, "2");
      CHECK(document->remove({"model_providers", "x", "http_headers", "B"}));
      CHECK(document->remove({"tui", "animations"}));
      CHECK(document->remove(gateway_key("http_headers")));
      CHECK(document->remove(gateway_key("name")));
      CHECK(document->is_empty_container(k_gateway));
      CHECK(document->remove(k_gateway));
      CHECK(document->remove({"model_provider"}));
      const bool had_tui = original.find("[tui]") != std::string::npos;
      if (!had_tui) {
        CHECK(document->is_empty_container({"tui"}));
        CHECK(document->remove({"tui"}));
      }
      if (original.find("[model_providers.x]") == std::string::npos) {
        CHECK(document->remove({"model_providers", "x"}));
      }
      CHECK(document->text() == original);
    }
  }

  SUBCASE("configure then take everything back empties a new file")
  {
    auto document = parsed("");
    configure_gateway(*document);
    for (const char* key : {"auth", "wire_api", "base_url", "name"}) {
      CHECK(document->remove(gateway_key(key)));
    }
    CHECK(document->remove({"model"}));
    CHECK(document->remove({"model_provider"}));
    CHECK(document->is_empty_container({"model_providers"}));
    CHECK(document->remove({"model_providers"}));
    CHECK(document->text() == "");
    CHECK(document->is_empty_container({}));
  }
}
