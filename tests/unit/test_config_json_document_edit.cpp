// SPDX-License-Identifier: MIT
// The JSON editor changing strict JSON: exact bytes after each set and remove, in every
// indentation and line ending, one-line files, and the edits it refuses.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "config/document.hpp"
#include "support/json_edits.hpp"

using aigw::config::Document;
using aigw::config::Json;
using aigw::test::json_edits::after_remove;
using aigw::test::json_edits::after_set;
using aigw::test::json_edits::k_gemini;
using aigw::test::json_edits::k_settings;
using aigw::test::json_edits::Mode;
using aigw::test::json_edits::parse_ok;

namespace {

// `text` with each two-space step of leading indentation replaced by `unit`.
std::string
reindent(const std::string& text, const std::string& unit)
{
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (line_start && text.compare(i, 2, "  ") == 0) {
      out += unit;
      ++i;
      continue;
    }
    line_start = text[i] == '\n';
    out += text[i];
  }
  return out;
}

std::string
crlf(const std::string& text)
{
  std::string out;
  for (const char c : text) {
    out += c == '\n' ? "\r\n" : std::string(1, c);
  }
  return out;
}

const std::string k_settings_with_gateway = R"j({
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "permissions": {
    "allow": [
      "Bash(npm run lint)",
      "Read(~/.zshrc)"
    ],
    "deny": []
  },
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [
          {
            "type": "command",
            "command": "npx prettier --write \"$FILE\""
          }
        ]
      }
    ]
  },
  "env": {
    "DISABLE_TELEMETRY": "1",
    "HTTPS_PROXY": "http://proxy.corp:8080",
    "ANTHROPIC_BASE_URL": "https://example.cloud.databricks.com/ai-gateway/anthropic"
  },
  "model": "opus",
  "apiKeyHelper": "aigw-setup token --agent claude"
}
)j";

void
add_gateway(Document& document)
{
  REQUIRE(document.set({"env", "ANTHROPIC_BASE_URL"},
                       "https://example.cloud.databricks.com/ai-gateway/anthropic"));
  REQUIRE(document.set({"apiKeyHelper"}, "aigw-setup token --agent claude"));
}

} // namespace

TEST_CASE("config::JsonDocument set")
{
  SUBCASE("a new file")
  {
    auto document = parse_ok("");
    REQUIRE(document->set({"env", "A"}, "x"));
    REQUIRE(document->set({"apiKeyHelper"}, "h"));
    CHECK(document->text()
          == "{\n  \"env\": {\n    \"A\": \"x\"\n  },\n  \"apiKeyHelper\": \"h\"\n}\n");
  }

  SUBCASE("a new file gets nested objects and arrays over several lines")
  {
    CHECK(after_set("\n", {"a", "b"}, Json::parse(R"({"c": [1, {"d": null}], "e": {}, "f": []})"))
          == R"({
  "a": {
    "b": {
      "c": [
        1,
        {
          "d": null
        }
      ],
      "e": {},
      "f": []
    }
  }
}
)");
  }

  SUBCASE("keys go last in their object, in Claude Code settings")
  {
    auto document = parse_ok(k_settings);
    add_gateway(*document);
    CHECK(document->text() == k_settings_with_gateway);
  }

  SUBCASE("four spaces, tabs and CRLF line endings are followed")
  {
    for (const std::string unit : {"    ", "\t"}) {
      for (const bool windows : {false, true}) {
        CAPTURE(unit);
        CAPTURE(windows);
        const auto layout = [&](const std::string& text) {
          return windows ? crlf(reindent(text, unit)) : reindent(text, unit);
        };
        auto document = parse_ok(layout(k_settings));
        add_gateway(*document);
        CHECK(document->text() == layout(k_settings_with_gateway));

        // A nested value is spread over lines in the same layout.
        std::string expected = k_settings_with_gateway;
        expected.replace(expected.find("    ]\n  },\n  \"env\""),
                         11,
                         "    ],\n    \"Stop\": [\n      {\n        \"hooks\": []\n"
                         "      }\n    ]\n  },\n");
        REQUIRE(document->set({"hooks", "Stop"}, Json::parse(R"([{"hooks": []}])")));
        CHECK(document->text() == layout(expected));
      }
    }
  }

  SUBCASE("an existing value is replaced and nothing else moves")
  {
    std::string expected = k_settings;
    expected.replace(expected.find("\"opus\""), 6, "\"sonnet\"");
    CHECK(after_set(k_settings, {"model"}, "sonnet") == expected);

    expected = k_settings;
    expected.replace(expected.find("\"1\""), 3, "\"0\"");
    CHECK(after_set(k_settings, {"env", "DISABLE_TELEMETRY"}, "0") == expected);
  }

  SUBCASE("a value replaced by an object is written at its depth")
  {
    CHECK(after_set("{\n  \"a\": {\n    \"b\": 1\n  }\n}\n", {"a", "b"}, Json{{"c", 2}})
          == "{\n  \"a\": {\n    \"b\": {\n      \"c\": 2\n    }\n  }\n}\n");
  }

  SUBCASE("an equal value keeps its spelling")
  {
    const std::string text = "{\n  \"a\": 1.0,\n  \"b\": { }\n}\n";
    CHECK(after_set(text, {"a"}, 1) == text);
    CHECK(after_set(text, {"b"}, Json::object()) == text);
  }

  SUBCASE("missing parents are created, an empty object opens over lines")
  {
    CHECK(after_set("{\n  \"env\": {}\n}\n", {"env", "A"}, "x")
          == "{\n  \"env\": {\n    \"A\": \"x\"\n  }\n}\n");
    CHECK(after_set("{\n  \"a\": 1\n}\n", {"b", "c", "d"}, true)
          == "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": {\n      \"d\": true\n    }\n  }\n}\n");
    CHECK(after_set("{}\n", {"a"}, 1) == "{\n  \"a\": 1\n}\n");
  }

  SUBCASE("a closing brace on the line of the last value")
  {
    CHECK(after_set("{\n  \"a\": 1}\n", {"b"}, 2) == "{\n  \"a\": 1,\n  \"b\": 2}\n");
  }

  SUBCASE("strings are written as nlohmann dumps them, UTF-8 kept")
  {
    CHECK(after_set("{}", {"ключ"}, "значение ✓ \"//\" /* */ \\ \n")
          == "{\n  \"ключ\": \"значение ✓ \\\"//\\\" /* */ \\\\ \\n\"\n}");
  }

  SUBCASE("a file without a final newline stays without one")
  {
    CHECK(after_set("{\n  \"a\": 1\n}", {"b"}, 2) == "{\n  \"a\": 1,\n  \"b\": 2\n}");
  }
}

TEST_CASE("config::JsonDocument set failures")
{
  SUBCASE("a parent that is not an object names the key and changes nothing")
  {
    const std::string text =
      "{\n  \"env\": \"x\",\n  \"a\": {\"b\": [1], \"n\": 5, \"t\": true}\n}\n";
    auto document = parse_ok(text);

    auto outcome = document->set({"env", "A"}, "1");
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error() == R"(cannot set "env.A": "env" is a string, not an object)");

    outcome = document->set({"a", "b", "c", "d"}, "1");
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error() == R"(cannot set "a.b.c.d": "a.b" is an array, not an object)");

    outcome = document->set({"a", "n", "x"}, "1");
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error() == R"(cannot set "a.n.x": "a.n" is a number, not an object)");

    outcome = document->set({"a", "t", "x"}, "1");
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error() == R"(cannot set "a.t.x": "a.t" is a boolean, not an object)");
    CHECK(document->text() == text);
  }

  SUBCASE("values JSON cannot hold")
  {
    auto document = parse_ok("");
    auto outcome = document->set({"a"}, Json{{"b", std::nan("")}});
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error() == R"(cannot set "a": NaN and infinity cannot be written in JSON)");

    outcome = document->set({"a"}, "\xff");
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error() == R"(cannot set "a": the key or value is not valid UTF-8)");

    outcome = document->set({}, 1);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error() == "cannot set the whole document, only keys in it");
    CHECK(document->text() == "");
  }
}

TEST_CASE("config::JsonDocument remove")
{
  SUBCASE("the last member takes the comma before it")
  {
    std::string expected = k_settings;
    expected.replace(expected.find("},\n  \"model\""), 21, "}\n");
    CHECK(after_remove(k_settings, {"model"}) == expected);
  }

  SUBCASE("a middle member takes its own lines")
  {
    std::string expected = k_settings;
    const std::size_t start = expected.find("  \"permissions\"");
    expected.erase(start, expected.find("  \"hooks\"") - start);
    CHECK(after_remove(k_settings, {"permissions"}) == expected);

    expected = k_settings;
    expected.erase(expected.find("    \"DISABLE_TELEMETRY\""), 30);
    CHECK(after_remove(k_settings, {"env", "DISABLE_TELEMETRY"}) == expected);
  }

  SUBCASE("the only member leaves an empty object")
  {
    CHECK(after_remove("{\n  \"env\": {\n    \"A\": \"x\"\n  }\n}\n", {"env", "A"})
          == "{\n  \"env\": {}\n}\n");
    CHECK(after_remove("{\n  \"a\": 1\n}\n", {"a"}) == "{}\n");
  }

  SUBCASE("CRLF lines go whole")
  {
    CHECK(after_remove(crlf(k_settings), {"env", "HTTPS_PROXY"})
          == crlf(after_remove(k_settings, {"env", "HTTPS_PROXY"})));
    CHECK(after_remove(crlf(k_settings), {"hooks"}) == crlf(after_remove(k_settings, {"hooks"})));
  }

  SUBCASE("absent keys remove nothing")
  {
    auto document = parse_ok(k_settings);
    CHECK_FALSE(document->remove({"nope"}));
    CHECK_FALSE(document->remove({"env", "nope"}));
    CHECK_FALSE(document->remove({"model", "x"}));
    CHECK_FALSE(document->remove({}));
    CHECK(document->text() == k_settings);
  }
}

TEST_CASE("config::JsonDocument round trips")
{
  SUBCASE("set then remove gives the original bytes back")
  {
    const std::vector<std::string> texts = {k_settings,
                                            crlf(reindent(k_settings, "\t")),
                                            reindent(k_settings, "    "),
                                            "{\"env\":{}}",
                                            "{\"env\":{\"X\":\"1\"},\"model\":\"opus\"}",
                                            "{ \"env\": { \"X\": \"1\" } }",
                                            "{\n  \"env\": {}\n}\n"};
    for (const auto& text : texts) {
      CAPTURE(text);
      auto document = parse_ok(text);
      REQUIRE(document->set({"env", "ANTHROPIC_AUTH_TOKEN"}, "tok"));
      REQUIRE(document->set({"newKey"}, Json{{"a", {1, 2}}}));
      CHECK(document->text() != text);
      CHECK(document->remove({"newKey"}));
      CHECK(document->remove({"env", "ANTHROPIC_AUTH_TOKEN"}));
      CHECK(document->text() == text);
    }
  }

  SUBCASE("with comments")
  {
    auto document = parse_ok(k_gemini, Mode::comments);
    REQUIRE(document->set({"security", "auth", "enforcedType"}, "gemini-api-key"));
    REQUIRE(document->set({"model", "name"}, "gemini-2.5-pro"));
    CHECK(document->remove({"model"}));
    CHECK(document->remove({"security", "auth", "enforcedType"}));
    CHECK(document->text() == k_gemini);
  }
}

TEST_CASE("config::JsonDocument one-line files")
{
  SUBCASE("insertions follow the file's spacing")
  {
    CHECK(after_set(R"({"a":1})", {"b"}, 2) == R"({"a":1,"b":2})");
    CHECK(after_set(R"({"a":1,"b":{"c":2}})", {"d"}, Json{{"x", {1, 2}}})
          == R"({"a":1,"b":{"c":2},"d":{"x":[1,2]}})");
    CHECK(after_set(R"({"a": 1, "b": 2})", {"c", "d"}, Json{1, 2})
          == R"({"a": 1, "b": 2, "c": {"d": [1, 2]}})");
    CHECK(after_set(R"({"a":1,"b":{"c":2}})", {"b", "e"}, 3) == R"({"a":1,"b":{"c":2,"e":3}})");
    CHECK(after_set(R"({"a":{}})", {"a", "b"}, 3) == R"({"a":{"b":3}})");
    CHECK(after_set("{\"a\":{ }}\n", {"a", "b"}, 3) == "{\"a\":{\"b\":3}}\n");
  }

  SUBCASE("an inline object in a multi-line file stays inline")
  {
    CHECK(after_set("{\n  \"p\": {\"allow\": [\"x\"]}\n}\n", {"p", "deny"}, Json{"y"})
          == "{\n  \"p\": {\"allow\": [\"x\"], \"deny\": [\"y\"]}\n}\n");
    CHECK(after_set("{\n  \"p\": {\"allow\": [\"x\"]}\n}\n", {"p", "allow"}, Json{"x", "y"})
          == "{\n  \"p\": {\"allow\": [\"x\", \"y\"]}\n}\n");
  }

  SUBCASE("removals")
  {
    CHECK(after_remove(R"({"a":1,"b":2,"c":3})", {"b"}) == R"({"a":1,"c":3})");
    CHECK(after_remove(R"({"a":1,"b":2,"c":3})", {"c"}) == R"({"a":1,"b":2})");
    CHECK(after_remove(R"({"a":1,"b":2,"c":3})", {"a"}) == R"({"b":2,"c":3})");
    CHECK(after_remove(R"({ "a": 1, "b": 2 })", {"b"}) == R"({ "a": 1 })");
    CHECK(after_remove(R"({ "a": 1 })", {"a"}) == R"({})");
    CHECK(after_remove(R"({"x":{"a":1}})", {"x", "a"}) == R"({"x":{}})");
  }
}
