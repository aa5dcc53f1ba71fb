// SPDX-License-Identifier: MIT
// The dotenv editor against the dialect of npm dotenv 17.1.0: every expected value below
// was also checked by running dotenv's own parse() on the same text.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "config/document.hpp"

using aigw::config::Document;
using aigw::config::Json;

namespace {

std::unique_ptr<Document>
parse_ok(const std::string& text)
{
  auto parsed = aigw::config::parse_dotenv(text);
  if (!parsed) {
    FAIL_CHECK("unexpected parse error " << parsed.error().line << ":" << parsed.error().column
                                         << " " << parsed.error().message);
  }
  REQUIRE(parsed);
  return std::move(parsed).value();
}

// The value dotenv reads for `key`, or "<absent>".
std::string
value_of(const Document& document, const std::string& key)
{
  const auto value = document.get({key});
  return value ? value->get<std::string>() : "<absent>";
}

// The text after setting `key` to `value` in `text`.
std::string
after_set(const std::string& text, const std::string& key, const Json& value)
{
  auto document = parse_ok(text);
  const auto outcome = document->set({key}, value);
  if (!outcome) {
    FAIL_CHECK("unexpected set error: " << outcome.error());
  }
  CHECK(document->get({key}) == (value.is_string() ? value : Json(value.dump())));
  return document->text();
}

// The error of setting `key` to `value` in `text`, checking that the text is unchanged.
std::string
set_error(const std::string& text, const aigw::config::KeyPath& key, const Json& value)
{
  auto document = parse_ok(text);
  const auto outcome = document->set(key, value);
  REQUIRE_FALSE(outcome);
  CHECK(document->text() == text);
  return outcome.error();
}

const std::string k_real_world = "# Gemini CLI\n"
                                 "export GEMINI_API_KEY=sk-123  # the key\n"
                                 "\n"
                                 "GOOGLE_GEMINI_BASE_URL = https://example.com/ai-gateway/gemini\n"
                                 "SINGLE='has \"double\" and # inside'\n"
                                 "DOUBLE=\"line one\\nline two\"\n"
                                 "BACKTICK=`it's \"both\"`\n"
                                 "YAML: style value\n"
                                 "EMPTY=\n"
                                 "  SPACED =   a b c   \n"
                                 "PEM=\"-----BEGIN KEY-----\n"
                                 "abc\n"
                                 "-----END KEY-----\"\n"
                                 "DUP=first\n"
                                 "DUP=second\n";

} // namespace

TEST_CASE("config::DotenvDocument get")
{
  SUBCASE("a real-world file reads as dotenv reads it and stays byte for byte")
  {
    const auto document = parse_ok(k_real_world);
    CHECK(value_of(*document, "GEMINI_API_KEY") == "sk-123");
    CHECK(value_of(*document, "GOOGLE_GEMINI_BASE_URL") == "https://example.com/ai-gateway/gemini");
    CHECK(value_of(*document, "SINGLE") == "has \"double\" and # inside");
    CHECK(value_of(*document, "DOUBLE") == "line one\nline two");
    CHECK(value_of(*document, "BACKTICK") == "it's \"both\"");
    CHECK(value_of(*document, "YAML") == "style value");
    CHECK(value_of(*document, "EMPTY") == "");
    CHECK(value_of(*document, "SPACED") == "a b c");
    CHECK(value_of(*document, "PEM") == "-----BEGIN KEY-----\nabc\n-----END KEY-----");
    CHECK(value_of(*document, "DUP") == "second");
    CHECK(value_of(*document, "MISSING") == "<absent>");
    CHECK(document->text() == k_real_world);
  }

  SUBCASE("CRLF and lone CR line breaks, also inside quotes, read as LF")
  {
    const auto document = parse_ok("A=1\r\nB='x\r\ny'\r\nC=\"p\rq\"\rD=4");
    CHECK(value_of(*document, "A") == "1");
    CHECK(value_of(*document, "B") == "x\ny");
    CHECK(value_of(*document, "C") == "p\nq");
    CHECK(value_of(*document, "D") == "4");
  }

  SUBCASE("single quotes and backticks are literal, double quotes expand only \\n and \\r")
  {
    const auto document = parse_ok("S='a\\nb'\nT=`a\\nb`\nD=\"a\\tb\\nc\\rd\"\nU=a\\nb\n");
    CHECK(value_of(*document, "S") == "a\\nb");
    CHECK(value_of(*document, "T") == "a\\nb");
    CHECK(value_of(*document, "D") == "a\\tb\nc\rd");
    CHECK(value_of(*document, "U") == "a\\nb");
  }

  SUBCASE("comments, spacing and the export and colon forms")
  {
    const auto document = parse_ok("A='x' # c\nB='x'#c\nC= # c\nD: \nexport=1\nexportE=2\n"
                                   "export\tF = 3\nG==b\nH=a'b\nI:\t\"q\"\n\t# indented comment\n");
    CHECK(value_of(*document, "A") == "x");
    CHECK(value_of(*document, "B") == "x");
    CHECK(value_of(*document, "C") == "");
    CHECK(value_of(*document, "D") == "");
    CHECK(value_of(*document, "export") == "1");
    CHECK(value_of(*document, "exportE") == "2");
    CHECK(value_of(*document, "F") == "3");
    CHECK(value_of(*document, "G") == "=b");
    CHECK(value_of(*document, "H") == "a'b");
    CHECK(value_of(*document, "I") == "q");
  }

  SUBCASE("Unicode spaces are trimmed like JavaScript's \\s, other characters are kept")
  {
    const auto document = parse_ok("\xC2\xA0" "A=\xC2\xA0" "caf\xC3\xA9\xE2\x80\x83\n");
    CHECK(value_of(*document, "A") == "caf\xC3\xA9");
  }

  SUBCASE("a UTF-8 BOM does not break the first key")
  {
    const auto document = parse_ok("\xEF\xBB\xBF" "A=1\n");
    CHECK(value_of(*document, "A") == "1");
    CHECK(document->text() == "\xEF\xBB\xBF" "A=1\n");
  }

  SUBCASE("empty text, blank lines and comments make an empty document")
  {
    CHECK(value_of(*parse_ok(""), "A") == "<absent>");
    CHECK(value_of(*parse_ok("\n  \n# A=1\n"), "A") == "<absent>");
  }

  SUBCASE("paths of another length are absent and nothing is a container")
  {
    const auto document = parse_ok("A=1\n");
    CHECK_FALSE(document->get({}).has_value());
    CHECK_FALSE(document->get({"A", "B"}).has_value());
    CHECK_FALSE(document->is_empty_container({"A"}));
    CHECK_FALSE(document->is_empty_container({}));
  }
}

TEST_CASE("config::DotenvDocument malformed input")
{
  struct Case
  {
    std::string text;
    int line;
    int column;
    std::string message;
  };
  const std::string skips = ": dotenv skips this line";
  const std::string kept = ": dotenv would keep the quote character in the value";
  const std::string glued =
    "a '#' with no space before it starts a comment: dotenv cuts the value there; quote the value";
  const Case cases[] = {
    {"A=1\nB='abc\n", 2, 3, "unterminated single quote" + kept},
    {"A=\"abc", 1, 3, "unterminated double quote" + kept},
    {"A=`abc", 1, 3, "unterminated backtick" + kept},
    {"A='abc\nB=it's\n", 1, 3,
     "unterminated single quote: the next one, on line 2, has text after it"},
    {"A=b#c", 1, 4, glued},
    {"A=#c", 1, 3, glued},
    {"FOO\n", 1, 4, "expected '=' after the key \"FOO\"" + skips},
    {"FO O=1", 1, 4, "expected '=' after the key \"FO\"" + skips},
    {"export A\n", 1, 9, "expected '=' after the key \"A\"" + skips},
    {"A :b", 1, 3, "expected '=' after the key \"A\"" + skips},
    {"=x", 1, 1, "expected KEY=value, a comment or a blank line" + skips},
    {"; note", 1, 1, "expected KEY=value, a comment or a blank line" + skips},
    {"A=\n'x'\n", 2, 1, "expected KEY=value, a comment or a blank line" + skips},
    {"A:b", 1, 3, "expected a space after ':'" + skips},
    {"A:\nB=1\n", 1, 3, "expected a space after ':'" + skips},
    {"A='x' y", 1, 7, "text after the closing single quote: dotenv would read the quotes as part "
                      "of the value"},
    {"A=`x`y`", 1, 6, "text after the closing backtick: dotenv would read the quotes as part of "
                      "the value"},
    {"A=\"say \\\"hi\\\"\"", 1, 8,
     "a backslash before a closing double quote: dotenv keeps the backslash and may end the "
     "value later"},
    {"A='it\\'s'", 1, 6,
     "a backslash before a closing single quote: dotenv keeps the backslash and may end the "
     "value later"},
    {"A=\"C:\\\\new\"", 1, 6, "'\\\\' in double quotes: dotenv keeps both backslashes"},
    {std::string("A=1\r\nB=a\0b\r\n", 12), 2, 4, "a NUL byte: not a text file"},
    {"A=caf\xC3\xA9\xFF", 1, 7, "not valid UTF-8: dotenv would read U+FFFD here"},
    {"# note\xE2\x80\xA8" "B=1", 1, 7,
     "a U+2028/U+2029 line separator: dotenv starts a line there"},
    {"\xEF\xBB\xBF" "__proto__=x", 1, 1, "the key \"__proto__\" is dropped by dotenv"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const auto parsed = aigw::config::parse_dotenv(c.text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().line == c.line);
    CHECK(parsed.error().column == c.column);
    CHECK(parsed.error().message == c.message);
  }
}

TEST_CASE("config::DotenvDocument set")
{
  SUBCASE("an existing key keeps export, spacing, its trailing comment and other lines")
  {
    CHECK(after_set("# top\nexport  A = old  # note\nB=2\n", "A", "new")
          == "# top\nexport  A = new  # note\nB=2\n");
    CHECK(after_set("A: old\n", "A", "new") == "A: new\n");
    CHECK(after_set("A= # note\n", "A", "v") == "A= v # note\n");
    CHECK(after_set("A=\n", "A", "v") == "A=v\n");
  }

  SUBCASE("an existing key keeps its quote style when the value is safe in it")
  {
    CHECK(after_set("A='old'\n", "A", "abc") == "A='abc'\n");
    CHECK(after_set("A=\"old\" # c\n", "A", "a b") == "A=\"a b\" # c\n");
    CHECK(after_set("A=`old`\n", "A", "it's") == "A=`it's`\n");
    CHECK(after_set("A='old'\n", "A", "it's") == "A=`it's`\n");
    CHECK(after_set("A=old\n", "A", "a b") == "A='a b'\n");
    CHECK(after_set("A='x'#c\n", "A", "y") == "A='y'#c\n");
    CHECK(after_set("A=\"x\"#c\n", "A", "a\nb") == "A=\"a\\nb\"#c\n");
  }

  SUBCASE("only the last of duplicate keys changes")
  {
    CHECK(after_set("A=1\nB=2\nA=3\n", "A", "4") == "A=1\nB=2\nA=4\n");
  }

  SUBCASE("a multi-line value is replaced whole and the lines after it stay")
  {
    CHECK(after_set("PEM=\"-----BEGIN-----\nabc\n-----END-----\"\nB=2\n", "PEM", "short")
          == "PEM=\"short\"\nB=2\n");
  }

  SUBCASE("a new key is appended with the file's line ending")
  {
    CHECK(after_set("A=1\n", "B", "2") == "A=1\nB=2\n");
    CHECK(after_set("A=1\r\n# c\r\n", "B", "2") == "A=1\r\n# c\r\nB=2\r\n");
    CHECK(after_set("A=1\r\nC=3", "B", "2") == "A=1\r\nC=3\r\nB=2");
    CHECK(after_set("A=1", "B", "2") == "A=1\nB=2");
    CHECK(after_set("", "B", "2") == "B=2\n");
    CHECK(after_set("\xEF\xBB\xBF", "B", "2") == "\xEF\xBB\xBF" "B=2\n");
  }

  SUBCASE("each value gets the plainest quoting that dotenv reads back exactly")
  {
    CHECK(after_set("", "A", "https://h.example/x_y-1.2:3@4+5,6=7")
          == "A=https://h.example/x_y-1.2:3@4+5,6=7\n");
    CHECK(after_set("", "A", "") == "A=''\n");
    CHECK(after_set("", "A", " a#b \"c\" ") == "A=' a#b \"c\" '\n");
    CHECK(after_set("", "A", "it's \"x\"") == "A=`it's \"x\"`\n");
    CHECK(after_set("", "A", "C:\\x\\y") == "A='C:\\x\\y'\n");
    CHECK(after_set("", "A", "it's `x`") == "A=\"it's `x`\"\n");
    CHECK(after_set("", "A", "one\ntwo\r") == "A=\"one\\ntwo\\r\"\n");
    CHECK(after_set("", "A", "-----BEGIN-----\nabc\n-----END-----")
          == "A=\"-----BEGIN-----\\nabc\\n-----END-----\"\n");
  }

  SUBCASE("booleans and numbers are written as their text")
  {
    CHECK(after_set("", "A", true) == "A=true\n");
    CHECK(after_set("", "A", 42) == "A=42\n");
    CHECK(after_set("", "A", -1.5) == "A=-1.5\n");
  }

  SUBCASE("setting the value already there changes nothing")
  {
    CHECK(after_set("A=\nB = 'x' # c\n", "B", "x") == "A=\nB = 'x' # c\n");
    CHECK(after_set("A=\n", "A", "") == "A=\n");
  }

  SUBCASE("a value no quoting can hold fails, naming the key, and changes nothing")
  {
    const std::string why = "\": no dotenv quoting reads the value back exactly (it has ' with "
                            "` or a line break, and \" or \\)";
    CHECK(set_error("A=1\n", {"TOKEN"}, "it's\n\"x\"") == "cannot write \"TOKEN" + why);
    CHECK(set_error("A=1\n", {"A"}, "it's `x` \\") == "cannot write \"A" + why);
    CHECK(set_error("A=1\n", {"A"}, "C:\\dir\\") == "cannot write \"A" + why);
  }

  SUBCASE("a value the file cannot hold fails the check after the edit")
  {
    CHECK(set_error("A=1\n", {"B"}, std::string("a\0b", 3))
          == "cannot write \"B\": the edited file would not parse (a NUL byte: not a text file)");
  }

  SUBCASE("objects, arrays, null and bad keys fail and change nothing")
  {
    CHECK(set_error("A=1\n", {"A"}, Json::object())
          == "cannot write object to \"A\": dotenv values are text");
    CHECK(set_error("A=1\n", {"A"}, Json::array())
          == "cannot write array to \"A\": dotenv values are text");
    CHECK(set_error("A=1\n", {"A"}, nullptr)
          == "cannot write null to \"A\": dotenv values are text");
    const std::string rule = "\": a dotenv key is one name made of A-Z a-z 0-9 _ . -";
    CHECK(set_error("A=1\n", {"env", "A"}, "x") == "cannot set \"env.A" + rule);
    CHECK(set_error("A=1\n", {"A B"}, "x") == "cannot set \"A B" + rule);
    CHECK(set_error("A=1\n", {"__proto__"}, "x") == "cannot set \"__proto__" + rule);
    CHECK(set_error("A=1\n", {}, "x") == "cannot set \"" + rule);
  }
}

TEST_CASE("config::DotenvDocument remove")
{
  SUBCASE("every line defining the key goes, comments above it stay")
  {
    auto document = parse_ok("# the key\nA=1\r\nB=2\nexport A='x\ny' # c\nC=3\n");
    CHECK(document->remove({"A"}));
    CHECK(document->text() == "# the key\nB=2\nC=3\n");
    CHECK_FALSE(document->get({"A"}).has_value());
    CHECK(value_of(*document, "C") == "3");
  }

  SUBCASE("an absent key or another path length removes nothing")
  {
    auto document = parse_ok("A=1\n");
    CHECK_FALSE(document->remove({"B"}));
    CHECK_FALSE(document->remove({"A", "B"}));
    CHECK_FALSE(document->remove({}));
    CHECK(document->text() == "A=1\n");
  }

  SUBCASE("a last line without a line break takes the break before it")
  {
    auto kept_last = parse_ok("A=1\nB=2");
    CHECK(kept_last->remove({"A"}));
    CHECK(kept_last->text() == "B=2");
    auto document = parse_ok("A=1\r\nB=2\r\nB=3");
    CHECK(document->remove({"B"}));
    CHECK(document->text() == "A=1");
  }

  SUBCASE("the BOM stays when the first line goes")
  {
    auto document = parse_ok("\xEF\xBB\xBF" "A=1\nB=2\n");
    CHECK(document->remove({"A"}));
    CHECK(document->text() == "\xEF\xBB\xBF" "B=2\n");
    CHECK(document->remove({"B"}));
    CHECK(document->text() == "\xEF\xBB\xBF");
  }

  SUBCASE("set then remove of a new key gives back the original bytes")
  {
    for (const std::string& original : {std::string(""), std::string("A=1\n"),
                                       std::string("A=1\r\n"), std::string("A=1"),
                                       std::string("# c\rA=1\r"), std::string("\xEF\xBB\xBF"),
                                       k_real_world}) {
      CAPTURE(original);
      auto document = parse_ok(original);
      REQUIRE(document->set({"NEW"}, "it's\nnew"));
      CHECK(document->text() != original);
      CHECK(document->remove({"NEW"}));
      CHECK(document->text() == original);
    }
  }
}

// Each step once scanned the rest of the text per byte or per line: a long bare value or
// many lines never finished. These only have to finish and give the exact bytes.
TEST_CASE("config::DotenvDocument long lines and many lines")
{
  SUBCASE("a 4 MB bare value: get, set, remove")
  {
    const std::string big(4 * 1024 * 1024, 'y');
    auto document = parse_ok("A=1\nBIG=" + big + " # note\nC=3\n");
    CHECK(document->get({"BIG"}) == Json(big));

    const std::string other(4 * 1024 * 1024, 'z');
    REQUIRE(document->set({"BIG"}, other));
    CHECK(document->text() == "A=1\nBIG=" + other + " # note\nC=3\n");
    REQUIRE(document->set({"D"}, "4"));
    CHECK(document->remove({"BIG"}));
    CHECK(document->text() == "A=1\nC=3\nD=4\n");
  }

  SUBCASE("100,000 short lines: set one, remove a key defined on every other line")
  {
    std::string text;
    std::string expected;
    std::string without_dup;
    for (int i = 0; i < 100'000; ++i) {
      const std::string line = "K" + std::to_string(i) + "=v" + std::to_string(i) + "\n";
      text += line + "DUP=x\n";
      expected += (i == 50'000 ? std::string("K50000=changed\n") : line) + "DUP=x\n";
      without_dup += i == 50'000 ? std::string("K50000=changed\n") : line;
    }
    auto document = parse_ok(text);
    CHECK(value_of(*document, "K99999") == "v99999");

    REQUIRE(document->set({"K50000"}, "changed"));
    CHECK(document->text() == expected);
    CHECK(document->remove({"DUP"}));
    CHECK(document->text() == without_dup);
    CHECK(value_of(*document, "K50000") == "changed");
  }
}
