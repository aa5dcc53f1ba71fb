// SPDX-License-Identifier: MIT
// The JSON editor reading files: parse and get, strict or with comments, and the exact
// position and message of every parse error.
#include <doctest/doctest.h>

#include <string>

#include "config/document.hpp"
#include "support/json_edits.hpp"

using aigw::config::Json;
using aigw::config::parse_json;
using aigw::test::json_edits::after_set;
using aigw::test::json_edits::k_gemini;
using aigw::test::json_edits::k_settings;
using aigw::test::json_edits::Mode;
using aigw::test::json_edits::parse_ok;

namespace {

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
