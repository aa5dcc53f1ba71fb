// SPDX-License-Identifier: MIT
// The TOML editor on Codex-shaped config.toml text: every edit is checked against the exact
// bytes it must produce, and every refusal against the message and the untouched text.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/document.hpp"

using aigw::config::Document;
using aigw::config::Json;
using aigw::config::KeyPath;
using aigw::config::ParseError;

namespace {

// Shaped like the config.toml files users keep: comments everywhere, other providers, MCP
// servers with env tables, quoted project paths, an array over several lines.
const std::string k_real_world = R"(# Codex CLI configuration
# See https://github.com/openai/codex/blob/main/docs/config.md

model = "gpt-5.1-codex"   # default model
approval_policy = "on-request"

# Show reasoning in the TUI
model_reasoning_summary = "detailed"

[model_providers.ollama-remote]
name = "Ollama on the build box"
base_url = "http://10.0.0.5:11434/v1"

# Team proxy; keep in sync with the wiki
[model_providers.team]
name = "Team proxy"
base_url = "https://proxy.example.com/v1"
env_key = "TEAM_TOKEN"
http_headers = { "X-Team" = "platform", X-Env = "prod" }

[mcp_servers.docs]
command = "npx"
args = [
  "-y",
  "@example/docs-mcp",   # pinned in package.json
]
env = { DOCS_TOKEN = "abc", SYSTEMROOT = 'C:\Windows' }

[projects."/home/me/src/app"]
trust_level = "trusted"

[tui]
notifications = ["agent-turn-complete", "approval-requested"]
)";

const KeyPath k_gateway{"model_providers", "databricks-ai-gateway"};

KeyPath
gateway_key(const std::string& name)
{
  KeyPath path = k_gateway;
  path.push_back(name);
  return path;
}

std::string
with_crlf(const std::string& text)
{
  std::string out;
  for (const char c : text) {
    out += c == '\n' ? "\r\n" : std::string(1, c);
  }
  return out;
}

std::unique_ptr<Document>
parsed(const std::string& text)
{
  auto document = aigw::config::parse_toml(text);
  REQUIRE(document);
  return std::move(*document);
}

void
set_ok(Document& document, const KeyPath& path, const Json& value)
{
  auto done = document.set(path, value);
  const std::string why = done ? std::string() : done.error();
  INFO(why);
  REQUIRE(done);
}

std::string
set_error(Document& document, const KeyPath& path, const Json& value)
{
  auto done = document.set(path, value);
  REQUIRE_FALSE(done);
  return done.error();
}

// What configure writes to Codex's config.toml, in the order the planner lists it.
void
configure_gateway(Document& document)
{
  set_ok(document, {"model_provider"}, "databricks-ai-gateway");
  set_ok(document, {"model"}, "databricks-gpt-5-2");
  set_ok(document, gateway_key("name"), "Databricks AI Gateway");
  set_ok(document, gateway_key("base_url"), "https://gw.example.com/openai/v1");
  set_ok(document, gateway_key("wire_api"), "responses");
  set_ok(document, gateway_key("auth"),
         Json{{"command", "/usr/bin/aigw-setup"}, {"args", Json::array({"token"})}});
}

} // namespace

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
