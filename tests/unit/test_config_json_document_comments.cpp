// SPDX-License-Identifier: MIT
// The JSON editor on JSON with comments (Gemini CLI settings): every comment around a
// value it sets or removes stays where it was.
#include <doctest/doctest.h>

#include <string>

#include "support/json_edits.hpp"

using aigw::test::json_edits::after_remove;
using aigw::test::json_edits::after_set;
using aigw::test::json_edits::k_gemini;
using aigw::test::json_edits::Mode;

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
