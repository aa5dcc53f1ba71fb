// SPDX-License-Identifier: MIT
// The TOML editor reading Codex-shaped config.toml text: what it parses and keeps byte for
// byte, what it refuses (message and position), get, and is_empty_container.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/document.hpp"
#include "support/toml_edits.hpp"

using aigw::config::Json;
using aigw::config::ParseError;
using aigw::test::toml_edits::k_real_world;
using aigw::test::toml_edits::parsed;

TEST_CASE("config::TomlDocument parse")
{
  SUBCASE("empty text is an empty document")
  {
    auto document = parsed("");
    CHECK(document->get({}) == Json::object());
    CHECK(document->is_empty_container({}));
    CHECK(document->text() == "");
  }

  SUBCASE("a real-world file parses and keeps its bytes")
  {
    auto document = parsed(k_real_world);
    CHECK(document->text() == k_real_world);
  }

  SUBCASE("malformed files report toml++'s line, column and reason")
  {
    struct Case
    {
      std::string what;
      std::string text;
      int line;
      int column;
      std::string message;
    };
    const std::vector<Case> cases{
      {"unterminated string", "model = \"gpt-5\nwire_api = \"responses\"\n", 1, 15,
       "Error while parsing string: unescaped control characters other than TAB (U+0009) are "
       "explicitly prohibited"},
      {"duplicate key", "[model_providers.x]\nname = \"a\"\nname = \"b\"\n", 3, 8,
       "Error while parsing key-value pair: cannot redefine existing string 'name'"},
      {"duplicate table", "[tui]\nnotifications = true\n\n[tui]\ntheme = \"dark\"\n", 4, 1,
       "Error while parsing table header: cannot redefine existing table 'tui'"},
      {"key redefined as a table", "model_providers = \"x\"\n\n[model_providers.x]\n", 3, 21,
       "Error while parsing table header: cannot redefine existing string "
       "'model_providers.x' as table"},
      {"invalid escape in a Windows path",
       "[mcp_servers.x]\nenv = { SYSTEMROOT = \"C:\\WINDOWS\" }\n", 2, 26,
       "Error while parsing string: unknown escape sequence '\\W'"},
      {"missing value", "model =\nmodel_provider = \"x\"\n", 1, 8,
       "Error while parsing key-value pair: expected value, saw '\\n'"},
      {"bare newline in a basic string", "name = \"Databricks\nAI Gateway\"\n", 1, 19,
       "Error while parsing string: unescaped control characters other than TAB (U+0009) are "
       "explicitly prohibited"},
      {"invalid number", "request_max_retries = 4x\n", 1, 24,
       "Error while parsing decimal integer: expected digit, saw 'x'"},
      {"unclosed array", "[mcp_servers.x]\nargs = [\"-y\", \"pkg\"\n\n[tui]\n", 4, 1,
       "Error while parsing array: expected comma or closing ']', saw '['"},
      {"unclosed inline table", "auth = { command = \"/bin/aigw\", args = [] \n", 1, 43,
       "Error while parsing inline table: expected key or closing '}', saw '\\n'"},
      {"header with trailing garbage", "[model_providers.x] name = \"n\"\n", 1, 21,
       "Error while parsing table header: expected a comment or whitespace, saw 'n'"},
      {"invalid key characters", "model$provider = \"x\"\n", 1, 6,
       "Error while parsing key-value pair: expected '=', saw '$'"},
      {"space inside a bare key", "model provider = \"x\"\n", 1, 7,
       "Error while parsing key-value pair: expected '=', saw 'p'"},
      {"root-looking key after a table that redefines it",
       "[profiles.dev]\nmodel = \"o3\"\n\n[profiles]\ndev = \"x\"\n", 5, 7,
       "Error while parsing key-value pair: cannot redefine existing table 'dev'"},
      {"dotted key extending an inline table",
       "http_headers = { X = \"a\" }\nhttp_headers.Y = \"b\"\n", 2, 1,
       "Error while parsing key-value pair: cannot redefine existing table as dotted "
       "key-value pair"},
      {"missing value in a CRLF file", "a = 1\r\nb =\r\n", 2, 4,
       "Error while parsing key-value pair: expected value, saw '\\r'"},
      {"invalid UTF-8", "a = \"\xff\"\n", 1, 5, "Encountered invalid utf-8 sequence"},
    };
    for (const auto& each : cases) {
      CAPTURE(each.what);
      auto document = aigw::config::parse_toml(each.text);
      REQUIRE_FALSE(document);
      const ParseError& error = document.error();
      CHECK(error.line == each.line);
      CHECK(error.column == each.column);
      CHECK(error.message == each.message);
    }
  }
}

TEST_CASE("config::TomlDocument get")
{
  auto document = parsed(k_real_world);

  SUBCASE("scalars, arrays and inline tables convert to JSON")
  {
    CHECK(document->get({"model"}) == Json("gpt-5.1-codex"));
    CHECK(document->get({"mcp_servers", "docs", "args"})
          == Json::array({"-y", "@example/docs-mcp"}));
    CHECK(document->get({"mcp_servers", "docs", "env", "SYSTEMROOT"}) == Json("C:\\Windows"));
    CHECK(document->get({"model_providers", "team", "http_headers"})->dump()
          == R"({"X-Team":"platform","X-Env":"prod"})");
  }

  SUBCASE("quoted keys in headers are single keys")
  {
    CHECK(document->get({"projects", "/home/me/src/app", "trust_level"}) == Json("trusted"));
  }

  SUBCASE("tables list their keys in document order")
  {
    CHECK(document->get({"model_providers", "team"})->dump()
          == R"({"name":"Team proxy","base_url":"https://proxy.example.com/v1",)"
             R"("env_key":"TEAM_TOKEN","http_headers":{"X-Team":"platform","X-Env":"prod"}})");
    CHECK(document->get({"model_providers"})->dump().rfind(R"({"ollama-remote":)", 0) == 0);
  }

  SUBCASE("absent keys and keys below values are nullopt")
  {
    CHECK_FALSE(document->get({"profile"}));
    CHECK_FALSE(document->get({"model", "x"}));
    CHECK_FALSE(document->get({"model_providers", "databricks-ai-gateway"}));
  }

  SUBCASE("escapes, spaces around dots and literal keys are resolved")
  {
    auto keyed = parsed("[ \"caf\\u00e9\" . 'c:\\x' ]\n a . \"b\\tc\" = 1\n");
    CHECK(keyed->get({"caf\u00e9", "c:\\x", "a", "b\tc"}) == Json(1));
  }

  SUBCASE("every TOML type has a JSON form")
  {
    auto typed = parsed("i = -7\nf = 2.5\nb = true\n\"a.b\" = 1\nx.y.z = \"dotted\"\n"
                        "d = 1979-05-27\nt = 07:32:00\ndt = 1979-05-27 07:32:00Z\n"
                        "[[servers]]\nname = \"one\"\n[[servers]]\nname = \"two\"\n");
    CHECK(typed->get({})->dump()
          == R"({"i":-7,"f":2.5,"b":true,"a.b":1,"x":{"y":{"z":"dotted"}},)"
             R"("d":"1979-05-27","t":"07:32:00","dt":"1979-05-27T07:32:00Z",)"
             R"("servers":[{"name":"one"},{"name":"two"}]})");
  }
}

TEST_CASE("config::TomlDocument is_empty_container")
{
  auto document = parsed("a = 1\nh = {}\n[p.q]\n[t]\nk = 1\n[[arr]]\n");

  SUBCASE("tables holding values are not empty")
  {
    CHECK_FALSE(document->is_empty_container({}));
    CHECK_FALSE(document->is_empty_container({"t"}));
  }

  SUBCASE("empty tables and parents holding only empty tables are empty")
  {
    CHECK(document->is_empty_container({"h"}));
    CHECK(document->is_empty_container({"p", "q"}));
    CHECK(document->is_empty_container({"p"}));
  }

  SUBCASE("a document with only comments or empty headers is not empty")
  {
    CHECK(parsed("\n  \r\n")->is_empty_container({}));
    CHECK_FALSE(parsed("# mine\n")->is_empty_container({}));
    CHECK_FALSE(parsed("[tui]\n")->is_empty_container({}));
    CHECK(parsed("[tui]\n")->is_empty_container({"tui"}));
  }

  SUBCASE("values, arrays and absent keys are not containers")
  {
    CHECK_FALSE(document->is_empty_container({"a"}));
    CHECK_FALSE(document->is_empty_container({"arr"}));
    CHECK_FALSE(document->is_empty_container({"missing"}));
  }
}
