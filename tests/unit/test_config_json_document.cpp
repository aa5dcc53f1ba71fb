// SPDX-License-Identifier: MIT
// The JSON editor: exact bytes after each edit, and exact positions of parse errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "config/document.hpp"

using aigw::config::Document;
using aigw::config::Json;
using aigw::config::KeyPath;
using aigw::config::parse_json;

namespace {

enum class Mode { strict, comments };

std::unique_ptr<Document>
parse_ok(std::string text, Mode mode = Mode::strict)
{
  auto parsed = parse_json(std::move(text), mode == Mode::comments);
  if (!parsed) {
    FAIL("parse error " << parsed.error().line << ":" << parsed.error().column << ": "
                        << parsed.error().message);
  }
  return std::move(parsed).value();
}

std::string
after_set(std::string text, const KeyPath& path, const Json& value, Mode mode = Mode::strict)
{
  auto document = parse_ok(std::move(text), mode);
  const auto done = document->set(path, value);
  if (!done) {
    FAIL("set failed: " << done.error());
  }
  return document->text();
}

std::string
after_remove(std::string text, const KeyPath& path, Mode mode = Mode::strict)
{
  auto document = parse_ok(std::move(text), mode);
  CHECK(document->remove(path));
  return document->text();
}

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

void
check_error(const std::string& text, Mode mode, int line, int column, const std::string& message)
{
  CAPTURE(text);
  const auto parsed = parse_json(text, mode == Mode::comments);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message == message);
  CHECK(parsed.error().line == line);
  CHECK(parsed.error().column == column);
}

// A Claude Code user settings file as people have them.
const std::string k_settings = R"j({
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
    "HTTPS_PROXY": "http://proxy.corp:8080"
  },
  "model": "opus"
}
)j";

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

// Gemini CLI settings with comments in every place a comment may sit.
const std::string k_gemini = R"(// Gemini CLI settings
{
  // the look
  "theme": "GitHub", // trailing comment
  /* a block
     comment */
  "security": {
    "auth": {
      // how we log in
      "selectedType": "oauth-personal" /* inline */
    }
  },
  "url": "http://example.com/a//b/*c*/", // the string holds no comment
  "glob": "src/**/*.ts"
  // after the last member
}
// the end
)";

void
add_gateway(Document& document)
{
  REQUIRE(document.set({"env", "ANTHROPIC_BASE_URL"},
                       "https://example.cloud.databricks.com/ai-gateway/anthropic"));
  REQUIRE(document.set({"apiKeyHelper"}, "aigw-setup token --agent claude"));
}

} // namespace

TEST_CASE("config::JsonDocument parse")
{
  SUBCASE("an empty or blank file is an empty object")
  {
    for (const std::string text : {"", " \n\t\r\n"}) {
      auto document = parse_ok(text);
      CHECK(document->text() == text);
      CHECK(document->get({}) == Json::object());
      CHECK(document->is_empty_container({}));
      CHECK(document->get({"env"}) == std::nullopt);
      CHECK_FALSE(document->remove({"env"}));
    }
  }

  SUBCASE("a valid file keeps its bytes")
  {
    CHECK(parse_ok(k_settings)->text() == k_settings);
    CHECK(parse_ok(k_gemini, Mode::comments)->text() == k_gemini);
  }

  SUBCASE("the same key in different objects is no duplicate")
  {
    CHECK(parse_ok(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})")->get({"a", "a"}) == 1);
  }
}

TEST_CASE("config::JsonDocument get")
{
  auto document = parse_ok(k_settings);

  SUBCASE("values at any depth")
  {
    CHECK(document->get({"model"}) == "opus");
    CHECK(document->get({"env", "HTTPS_PROXY"}) == "http://proxy.corp:8080");
    CHECK(document->get({"permissions", "deny"}) == Json::array());
    CHECK(document->get({"permissions"})
          == Json::parse(R"j({"allow": ["Bash(npm run lint)", "Read(~/.zshrc)"], "deny": []})j"));
    const Json hooks = *document->get({"hooks"});
    CHECK(hooks["PostToolUse"][0]["hooks"][0]["command"] == "npx prettier --write \"$FILE\"");
  }

  SUBCASE("absent keys and keys below values that are not objects")
  {
    CHECK(document->get({"apiKeyHelper"}) == std::nullopt);
    CHECK(document->get({"env", "ANTHROPIC_BASE_URL"}) == std::nullopt);
    CHECK(document->get({"model", "name"}) == std::nullopt);
    CHECK(document->get({"permissions", "allow", "0"}) == std::nullopt);
  }

  SUBCASE("the whole document keeps its key order")
  {
    const Json all = *document->get({});
    REQUIRE(all.is_object());
    CHECK(all.begin().key() == "$schema");
    CHECK(std::prev(all.end()).key() == "model");
  }

  SUBCASE("comments inside a value are skipped")
  {
    auto gemini = parse_ok(k_gemini, Mode::comments);
    CHECK(gemini->get({"security"})
          == Json::parse(R"({"auth": {"selectedType": "oauth-personal"}})"));
    CHECK(gemini->get({"url"}) == "http://example.com/a//b/*c*/");
    CHECK(gemini->get({"glob"}) == "src/**/*.ts");
  }

  SUBCASE("escaped keys match their decoded text")
  {
    auto escaped = parse_ok(R"({"caf\u00e9": 1, "a\"b": 2, "x\/y": 3})");
    CHECK(escaped->get({"café"}) == 1);
    CHECK(escaped->get({"a\"b"}) == 2);
    CHECK(escaped->get({"x\\/y"}) == std::nullopt);
    CHECK(escaped->get({"x/y"}) == 3);
  }
}

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

TEST_CASE("config::JsonDocument with comments")
{
  SUBCASE("a value is replaced with its comments around it kept")
  {
    std::string expected = k_gemini;
    expected.replace(expected.find("\"oauth-personal\""), 16, "\"gemini-api-key\"");
    CHECK(after_set(
            k_gemini, {"security", "auth", "selectedType"}, "gemini-api-key", Mode::comments)
          == expected);
  }

  SUBCASE("a new member goes after the comments that end the object")
  {
    CHECK(after_set(k_gemini, {"model", "name"}, "gemini-2.5-pro", Mode::comments) ==
          R"(// Gemini CLI settings
{
  // the look
  "theme": "GitHub", // trailing comment
  /* a block
     comment */
  "security": {
    "auth": {
      // how we log in
      "selectedType": "oauth-personal" /* inline */
    }
  },
  "url": "http://example.com/a//b/*c*/", // the string holds no comment
  "glob": "src/**/*.ts",
  // after the last member
  "model": {
    "name": "gemini-2.5-pro"
  }
}
// the end
)");
  }

  SUBCASE("a new member after a value with a trailing comment")
  {
    CHECK(after_set("{\n  \"a\": 1 // one\n}\n", {"b"}, 2, Mode::comments)
          == "{\n  \"a\": 1, // one\n  \"b\": 2\n}\n");
    CHECK(after_set("{\n  \"a\": {} // one\n}\n", {"a", "b"}, 2, Mode::comments)
          == "{\n  \"a\": {\n    \"b\": 2\n  } // one\n}\n");
    CHECK(after_set("{ /* none yet */ }", {"b"}, 2, Mode::comments)
          == "{ /* none yet */\n  \"b\": 2\n}");
    CHECK(after_set("{\n  // none yet\n}\n", {"b"}, 2, Mode::comments)
          == "{\n  // none yet\n  \"b\": 2\n}\n");
  }

  SUBCASE("a removed member takes its trailing comment; comments above it stay")
  {
    CHECK(after_remove(k_gemini, {"theme"}, Mode::comments) == R"(// Gemini CLI settings
{
  // the look
  /* a block
     comment */
  "security": {
    "auth": {
      // how we log in
      "selectedType": "oauth-personal" /* inline */
    }
  },
  "url": "http://example.com/a//b/*c*/", // the string holds no comment
  "glob": "src/**/*.ts"
  // after the last member
}
// the end
)");
    CHECK(after_remove(k_gemini, {"glob"}, Mode::comments) == R"(// Gemini CLI settings
{
  // the look
  "theme": "GitHub", // trailing comment
  /* a block
     comment */
  "security": {
    "auth": {
      // how we log in
      "selectedType": "oauth-personal" /* inline */
    }
  },
  "url": "http://example.com/a//b/*c*/" // the string holds no comment
  // after the last member
}
// the end
)");
  }

  SUBCASE("an object whose only member goes keeps its comments")
  {
    CHECK(after_remove(k_gemini, {"security", "auth", "selectedType"}, Mode::comments)
          == R"(// Gemini CLI settings
{
  // the look
  "theme": "GitHub", // trailing comment
  /* a block
     comment */
  "security": {
    "auth": {
      // how we log in
    }
  },
  "url": "http://example.com/a//b/*c*/", // the string holds no comment
  "glob": "src/**/*.ts"
  // after the last member
}
// the end
)");
  }

  SUBCASE("a comment between a member and its comma")
  {
    CHECK(after_remove("{\"a\": 1 /* x */, \"b\": 2}", {"a"}, Mode::comments) == "{\"b\": 2}");
    CHECK(after_remove("{\"a\": 1, /* x */ \"b\": 2}", {"b"}, Mode::comments)
          == "{\"a\": 1 /* x */}");
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

TEST_CASE("config::JsonDocument is_empty_container")
{
  auto document = parse_ok("{\n  \"e\": {},\n  \"f\": { },\n  \"g\": {\"a\": 1},\n  \"h\": []\n}");
  CHECK(document->is_empty_container({"e"}));
  CHECK(document->is_empty_container({"f"}));
  CHECK_FALSE(document->is_empty_container({"g"}));
  CHECK_FALSE(document->is_empty_container({"h"}));
  CHECK_FALSE(document->is_empty_container({"missing"}));
  CHECK_FALSE(document->is_empty_container({}));
  CHECK(document->remove({"g", "a"}));
  CHECK(document->is_empty_container({"g"}));
  CHECK(parse_ok("{ /* nothing */ }", Mode::comments)->is_empty_container({}));
}

TEST_CASE("config::JsonDocument deep nesting")
{
  // The scanner counts brackets instead of recursing, so deep values cost no stack.
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  CHECK(after_set("{\n  \"deep\": " + deep + "\n}\n", {"b"}, 1)
        == "{\n  \"deep\": " + deep + ",\n  \"b\": 1\n}\n");
}

TEST_CASE("config::JsonDocument refuses malformed strict JSON")
{
  const Mode strict = Mode::strict;
  check_error("{\n  \"a\": 1,\n}\n", strict, 3, 1, "expected a key, found '}'");
  check_error("{\"a\": [1, 2,]}", strict, 1, 13, "expected a value, found ']'");
  check_error(
    "{\n  \"a\": 1\n  \"b\": 2\n}\n", strict, 3, 3, "expected ',' or '}', found a string");
  check_error("{\"a\": [1 2]}", strict, 1, 10, "expected ',' or ']', found a number");
  check_error("{\"a\" 1}", strict, 1, 6, "expected ':', found a number");
  check_error("{\"a\": , }", strict, 1, 7, "expected a value, found ','");
  check_error("{\"a\": \"abc", strict, 1, 7, "unterminated string");
  check_error("{\n  \"a\": \"abc\n}\n", strict, 2, 8, "unterminated string");
  check_error(
    "{\n  // note\n  \"a\": 1\n}\n", strict, 2, 3, "comments are not allowed in strict JSON");
  check_error("{\"a\": 1 /* note */}", strict, 1, 9, "comments are not allowed in strict JSON");
  check_error("{'a': 1}", strict, 1, 2, "single quotes are not allowed, use double quotes");
  check_error("{\"a\": yes}", strict, 1, 7, "expected a value, found 'yes'");
  check_error("{a: 1}", strict, 1, 2, "expected a key, found 'a'");
  check_error("{\"a\": True}", strict, 1, 7, "expected a value, found 'True'");
  check_error("[1, 2]", strict, 1, 1, "the top level must be an object");
  check_error("\n  \"text\"\n", strict, 2, 3, "the top level must be an object");
  check_error("42", strict, 1, 1, "the top level must be an object");
  check_error("{\n  \"a\": 1,\n  \"b\": {\"a\": 2},\n  \"a\": 3\n}\n", strict, 4, 3,
              "duplicate key \"a\"");
  check_error("{\"b\": [{\"x\": 1, \"x\": 2}]}", strict, 1, 17, "duplicate key \"x\"");
  check_error("{\"a\": \"x\ty\"}", strict, 1, 9,
              "control character U+0009 in a string must be escaped");
  check_error("{\"a\": \"\\q\"}", strict, 1, 8, "invalid escape in a string");
  check_error("{\"a\": \"\\u12G4\"}", strict, 1, 8, "invalid \\u escape in a string");
  const std::string truncated = "expected ',' or '}', found the end of the file";
  check_error("{\"a\": {\"b\": 1}", strict, 1, 15, truncated);
  check_error("{\"a\": {\"b\": 1}\n", strict, 2, 1, truncated);
  check_error("{\"a\": tru", strict, 1, 7, "expected a value, found 'tru'");
  check_error("{\"a\": -}", strict, 1, 7, "invalid number");
  check_error("\xEF\xBB\xBF{}", strict, 1, 1, "a byte order mark (BOM) is not allowed");
  check_error("{} {}", strict, 1, 4, "expected the end of the file, found '{'");
  check_error(std::string("{}\n\0{", 5), strict, 2, 1, "unexpected NUL byte");
  check_error("{\"é\": \"ü\", ü}", strict, 1, 12, "expected a key, found 'ü'");
  check_error("{\"a\": \"\xff\"}", strict, 1, 8, "invalid UTF-8 in a string");
}

TEST_CASE("config::JsonDocument refuses malformed JSON with comments")
{
  const Mode comments = Mode::comments;
  check_error("{\n  \"a\": 1, // one\n}\n", comments, 3, 1, "expected a key, found '}'");
  check_error("{\n  \"a\": 1 // one\n  \"b\": 2\n}\n", comments, 3, 3,
              "expected ',' or '}', found a string");
  check_error("{\n  \"a\": /* why */ \"abc", comments, 2, 18, "unterminated string");
  check_error("{\n  /* open\n  \"a\": 1\n}\n", comments, 2, 3, "unterminated block comment");
  check_error("{\"a\": 1 /", comments, 1, 9, "expected '//' or '/*' after '/'");
  check_error("{\n  // single\n  'a': 1\n}", comments, 3, 3,
              "single quotes are not allowed, use double quotes");
  check_error("{\"a\": /* v */ undefined}", comments, 1, 15, "expected a value, found 'undefined'");
  check_error("// list\n[1]", comments, 2, 1, "the top level must be an object");
  check_error("/* s */ \"text\"", comments, 1, 9, "the top level must be an object");
  check_error("{\n  \"a\": 1,\n  // again\n  \"\\u0061\": 2\n}\n", comments, 4, 3,
              "duplicate key \"a\"");
  check_error("{\"a\": \"x\x01y\"}", comments, 1, 9,
              "control character U+0001 in a string must be escaped");
  check_error("{\"a\": \"\\x41\"}", comments, 1, 8, "invalid escape in a string");
  check_error("{\"a\": 1 // end", comments, 1, 15,
              "expected ',' or '}', found the end of the file");
  check_error("{\"a\": 1,", comments, 1, 9, "expected a key, found the end of the file");
  check_error("// nothing but a comment\n", comments, 2, 1,
              "expected a value, found the end of the file");
  check_error("\xEF\xBB\xBF{}", comments, 1, 1, "a byte order mark (BOM) is not allowed");
  check_error("{\"a\": 1} // end\n}", comments, 2, 1, "expected the end of the file, found '}'");
}
