// SPDX-License-Identifier: MIT
// The TOML editor setting keys in Codex-shaped config.toml text: every edit is checked
// against the exact bytes it must produce, and every refusal against the message and the
// untouched text.
#include <doctest/doctest.h>

#include <string>

#include "config/document.hpp"
#include "support/toml_edits.hpp"

using aigw::config::Document;
using aigw::config::Json;
using aigw::config::KeyPath;
using aigw::test::toml_edits::configure_gateway;
using aigw::test::toml_edits::gateway_key;
using aigw::test::toml_edits::k_real_world;
using aigw::test::toml_edits::parsed;
using aigw::test::toml_edits::set_ok;
using aigw::test::toml_edits::with_crlf;

namespace {

std::string
set_error(Document& document, const KeyPath& path, const Json& value)
{
  auto done = document.set(path, value);
  REQUIRE_FALSE(done);
  return done.error();
}


} // namespace

TEST_CASE("config::TomlDocument set")
{
  SUBCASE("a brand-new file gets the provider block exactly")
  {
    auto document = parsed("");
    configure_gateway(*document);
    CHECK(document->text()
          == "model_provider = \"databricks-ai-gateway\"\n"
             "model = \"databricks-gpt-5-2\"\n"
             "\n"
             "[model_providers.databricks-ai-gateway]\n"
             "name = \"Databricks AI Gateway\"\n"
             "base_url = \"https://gw.example.com/openai/v1\"\n"
             "wire_api = \"responses\"\n"
             "auth = { command = \"/usr/bin/aigw-setup\", args = [\"token\"] }\n");
  }

  SUBCASE("a real-world file, LF or CRLF, gets its keys in place and keeps everything else")
  {
    auto document = parsed(k_real_world);
    configure_gateway(*document);
    std::string expected = k_real_world;
    expected.replace(expected.find("model = \"gpt-5.1-codex\""), 23,
                     "model = \"databricks-gpt-5-2\"");
    expected.replace(expected.find("\n[model_providers.ollama"), 0,
                     "model_provider = \"databricks-ai-gateway\"\n");
    expected += "\n[model_providers.databricks-ai-gateway]\n"
                "name = \"Databricks AI Gateway\"\n"
                "base_url = \"https://gw.example.com/openai/v1\"\n"
                "wire_api = \"responses\"\n"
                "auth = { command = \"/usr/bin/aigw-setup\", args = [\"token\"] }\n";
    CHECK(document->text() == expected);

    auto crlf = parsed(with_crlf(k_real_world));
    configure_gateway(*crlf);
    CHECK(crlf->text() == with_crlf(expected));
  }

  SUBCASE("replacing a value keeps the comment on its line")
  {
    auto document = parsed("model = \"o3\"   # fast\n");
    set_ok(*document, {"model"}, "gpt-5");
    CHECK(document->text() == "model = \"gpt-5\"   # fast\n");
  }

  SUBCASE("a value spanning lines is replaced whole")
  {
    auto document = parsed(k_real_world);
    set_ok(*document, {"mcp_servers", "docs", "args"}, Json::array({"docs-mcp"}));
    std::string expected = k_real_world;
    const auto begin = expected.find("args = [") + 7;
    expected.replace(begin, expected.find("]\nenv") + 1 - begin, "[\"docs-mcp\"]");
    CHECK(document->text() == expected);
  }

  SUBCASE("a new key in an existing table goes after its last key, before the next header's "
          "comments")
  {
    auto document = parsed(k_real_world);
    set_ok(*document, {"model_providers", "ollama-remote", "wire_api"}, "responses");
    std::string expected = k_real_world;
    expected.replace(expected.find("\n# Team proxy"), 0, "wire_api = \"responses\"\n");
    CHECK(document->text() == expected);
  }

  SUBCASE("a new key in an indented table takes the indentation of the key before it")
  {
    auto document = parsed("[tui]\n  theme = \"dark\"\n");
    set_ok(*document, {"tui", "notifications"}, true);
    CHECK(document->text() == "[tui]\n  theme = \"dark\"\n  notifications = true\n");
  }

  SUBCASE("a new key in a header with no keys goes right under it")
  {
    auto document = parsed("[tui]\n\n[otel]\nenvironment = \"dev\"\n");
    set_ok(*document, {"tui", "notifications"}, false);
    CHECK(document->text() == "[tui]\nnotifications = false\n\n[otel]\nenvironment = \"dev\"\n");
  }

  SUBCASE("a first top-level key follows the opening comments, a blank line before a header")
  {
    auto document = parsed("# my codex settings\n[tui]\ntheme = \"dark\"\n");
    set_ok(*document, {"model_provider"}, "databricks-ai-gateway");
    CHECK(document->text()
          == "# my codex settings\nmodel_provider = \"databricks-ai-gateway\"\n\n"
             "[tui]\ntheme = \"dark\"\n");
  }

  SUBCASE("a first top-level key stays out of the comments that lead into a header")
  {
    auto document = parsed("# my codex settings\n\n# terminal UI\n[tui]\n");
    set_ok(*document, {"model"}, "m");
    CHECK(document->text() == "# my codex settings\nmodel = \"m\"\n\n# terminal UI\n[tui]\n");
  }

  SUBCASE("a top-level key in a file without tables goes at the end")
  {
    auto document = parsed("# nothing yet\n");
    set_ok(*document, {"model"}, "m");
    CHECK(document->text() == "# nothing yet\nmodel = \"m\"\n");
  }

  SUBCASE("a file without a final line break gets none")
  {
    auto document = parsed("model = \"m\"");
    set_ok(*document, {"model_provider"}, "p");
    set_ok(*document, {"tui", "theme"}, "dark");
    CHECK(document->text() == "model = \"m\"\nmodel_provider = \"p\"\n\n[tui]\ntheme = \"dark\"");
  }

  SUBCASE("a byte-order mark stays first")
  {
    auto document = parsed("\xEF\xBB\xBF[tui]\n");
    set_ok(*document, {"model"}, "m");
    CHECK(document->text() == "\xEF\xBB\xBFmodel = \"m\"\n\n[tui]\n");
  }

  SUBCASE("a CRLF file keeps CRLF")
  {
    auto document = parsed("# codex\r\nmodel = \"m\"\r\n\r\n[tui]\r\ntheme = \"dark\"\r\n");
    configure_gateway(*document);
    CHECK(document->text()
          == "# codex\r\nmodel = \"databricks-gpt-5-2\"\r\n"
             "model_provider = \"databricks-ai-gateway\"\r\n\r\n"
             "[tui]\r\ntheme = \"dark\"\r\n\r\n"
             "[model_providers.databricks-ai-gateway]\r\n"
             "name = \"Databricks AI Gateway\"\r\n"
             "base_url = \"https://gw.example.com/openai/v1\"\r\n"
             "wire_api = \"responses\"\r\n"
             "auth = { command = \"/usr/bin/aigw-setup\", args = [\"token\"] }\r\n");
  }

  SUBCASE("a Windows path becomes a literal string")
  {
    auto document = parsed("");
    set_ok(*document, {"auth"},
           Json{{"command", "C:\\Program Files\\aigw\\aigw-setup.exe"},
                {"args", Json::array({"token", "--home", "C:\\Users\\me"})}});
    CHECK(document->text()
          == "auth = { command = 'C:\\Program Files\\aigw\\aigw-setup.exe', "
             "args = [\"token\", \"--home\", 'C:\\Users\\me'] }\n");
  }

  SUBCASE("strings that cannot be literal are escaped basic strings")
  {
    auto document = parsed("");
    set_ok(*document, {"a"}, "it's C:\\x");
    set_ok(*document, {"b"}, "line\nbreak\t\"quoted\"\x01");
    CHECK(document->text()
          == "a = \"it's C:\\\\x\"\nb = \"line\\nbreak\\t\\\"quoted\\\"\\u0001\"\n");
  }

  SUBCASE("keys are bare when they can be, quoted otherwise")
  {
    auto document = parsed("");
    set_ok(*document, {"http_headers"}, Json{{"X-Team", "a"}, {"x.y z", "b"}, {"", "c"}});
    set_ok(*document, {"projects", "/home/me/app", "trust_level"}, "trusted");
    CHECK(document->text()
          == "http_headers = { X-Team = \"a\", \"x.y z\" = \"b\", \"\" = \"c\" }\n\n"
             "[projects.\"/home/me/app\"]\ntrust_level = \"trusted\"\n");
  }

  SUBCASE("numbers, booleans and nested values keep their types")
  {
    auto document = parsed("");
    set_ok(*document, {"v"},
           Json{{"i", -3}, {"u", 18446744073709551ull}, {"f", 1.0}, {"g", 0.1}, {"e", 1e300},
                {"b", false}, {"o", Json::object()}, {"a", Json::array({1, Json::array()})}});
    CHECK(document->text()
          == "v = { i = -3, u = 18446744073709551, f = 1.0, g = 0.1, e = 1e+300, b = false, "
             "o = {}, a = [1, []] }\n");
  }

  SUBCASE("a key inside an inline table is set inside it")
  {
    auto document = parsed(k_real_world);
    set_ok(*document, {"mcp_servers", "docs", "env", "DOCS_TOKEN"}, "xyz");
    set_ok(*document, {"mcp_servers", "docs", "env", "HOME"}, "/home/me");
    set_ok(*document, {"model_providers", "team", "http_headers", "X-Trace", "on"}, true);
    std::string expected = k_real_world;
    expected.replace(expected.find("DOCS_TOKEN = \"abc\", SYSTEMROOT = 'C:\\Windows'"), 45,
                     "DOCS_TOKEN = \"xyz\", SYSTEMROOT = 'C:\\Windows', HOME = \"/home/me\"");
    expected.replace(expected.find("X-Env = \"prod\""), 14,
                     "X-Env = \"prod\", X-Trace.on = true");
    CHECK(document->text() == expected);
  }

  SUBCASE("a key in an empty inline table fills it")
  {
    auto document = parsed("[model_providers.x]\nhttp_headers = {}\n");
    set_ok(*document, {"model_providers", "x", "http_headers", "X-Team"}, "a");
    CHECK(document->text() == "[model_providers.x]\nhttp_headers = { X-Team = \"a\" }\n");
  }

  SUBCASE("a key in a table made of dotted keys becomes one more dotted key")
  {
    auto document = parsed("[model_providers.x]\nauth.command = \"/bin/t\"\nname = \"x\"\n");
    set_ok(*document, {"model_providers", "x", "auth", "args"}, Json::array({"token"}));
    CHECK(document->text()
          == "[model_providers.x]\nauth.command = \"/bin/t\"\nauth.args = [\"token\"]\n"
             "name = \"x\"\n");
  }

  SUBCASE("a key below a table made of top-level dotted keys is dotted too")
  {
    auto document = parsed("profiles.dev.model = \"o3\"\n\n[tui]\n");
    set_ok(*document, {"profiles", "dev", "features", "web_search"}, true);
    CHECK(document->text()
          == "profiles.dev.model = \"o3\"\nprofiles.dev.features.web_search = true\n\n[tui]\n");
  }

  SUBCASE("a key in a table that only sub-tables imply starts a section for it")
  {
    auto document = parsed("[model_providers.x]\nname = \"x\"\n");
    set_ok(*document, {"model_providers", "note"}, "n");
    CHECK(document->text()
          == "[model_providers.x]\nname = \"x\"\n\n[model_providers]\nnote = \"n\"\n");
  }

  SUBCASE("an object for a table whose parent is missing becomes a section of its own")
  {
    auto document = parsed("profile = \"dev\"\n");
    set_ok(*document, {"profiles", "dev"},
           Json{{"model_provider", "proxy"}, {"features", Json{{"web_search", true}}}});
    CHECK(document->text()
          == "profile = \"dev\"\n\n[profiles.dev]\nmodel_provider = \"proxy\"\n"
             "features = { web_search = true }\n");
    CHECK(document->remove({"profiles"}));
    CHECK(document->text() == "profile = \"dev\"\n");
  }

  SUBCASE("an object set on a [table] rewrites the keys inside it")
  {
    auto document = parsed("[p.auth]\ncommand = \"/old\" # helper\ntimeout_ms = 5000\n\n[tui]\n");
    set_ok(*document, {"p", "auth"}, Json{{"command", "/new"}, {"args", Json::array({"token"})}});
    CHECK(document->text()
          == "[p.auth]\ncommand = \"/new\" # helper\nargs = [\"token\"]\n\n[tui]\n");
  }

  SUBCASE("an unchanged value leaves the text alone")
  {
    auto document = parsed("auth = {command=\"/x\",args=[]}\n");
    set_ok(*document, {"auth"}, Json{{"args", Json::array()}, {"command", "/x"}});
    CHECK(document->text() == "auth = {command=\"/x\",args=[]}\n");
  }

  SUBCASE("a value where the file has a [table] is refused, leaving the text unchanged")
  {
    auto document = parsed("[p.auth]\ncommand = \"/x\"\n");
    CHECK(set_error(*document, {"p", "auth"}, "token")
          == "p.auth is a table in the file and cannot become a string");
    CHECK(document->text() == "[p.auth]\ncommand = \"/x\"\n");
  }

  SUBCASE("a key below a value is refused")
  {
    auto document = parsed("model_providers = \"x\"\n");
    CHECK(set_error(*document, gateway_key("name"), "n")
          == "model_providers is a string, not a table");
    CHECK(document->text() == "model_providers = \"x\"\n");
  }

  SUBCASE("arrays of tables are not edited")
  {
    auto document = parsed("[[servers]]\nname = \"a\"\n");
    CHECK(set_error(*document, {"servers"}, Json::array())
          == "servers is an array of tables ([[...]]) in the file; it is not replaced");
    CHECK(set_error(*document, {"servers", "name"}, "b")
          == "servers is an array, not a table");
    CHECK(document->text() == "[[servers]]\nname = \"a\"\n");
  }

  SUBCASE("null has no TOML form")
  {
    auto document = parsed("a = 1\n");
    CHECK(set_error(*document, {"a"}, nullptr) == "null has no TOML form");
    CHECK(set_error(*document, {"b"}, Json{{"x", nullptr}}) == "null has no TOML form");
    CHECK(document->text() == "a = 1\n");
  }

  SUBCASE("an integer beyond 64 signed bits is refused")
  {
    auto document = parsed("");
    CHECK(set_error(*document, {"n"}, 18446744073709551615ull)
          == "the integer 18446744073709551615 is too large for TOML (64-bit signed)");
  }

  SUBCASE("a failed set leaves the text unchanged")
  {
    auto document = parsed(k_real_world);
    CHECK(set_error(*document, {"model"}, "bad \xff utf-8")
          == "the edit would make the file invalid (line 4, column 13: Encountered invalid "
             "utf-8 sequence)");
    CHECK(document->text() == k_real_world);
    CHECK(document->get({"model"}) == Json("gpt-5.1-codex"));
  }
}
