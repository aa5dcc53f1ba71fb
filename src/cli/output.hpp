// SPDX-License-Identifier: MIT
// Results go to stdout: lines of text, or with --json one JSON document and nothing else.
// Everything passes through the secret redactor on the way out; only `token` may print a
// secret, through write_secret().
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace aigw::cli {

class Output
{
public:
  Output(std::ostream& stream, bool json) : m_stream(stream), m_json(json) {}

  bool json() const { return m_json; }

  // One line of human text; dropped in JSON mode.
  void line(std::string_view text);

  // The JSON document of the command; printed only in JSON mode.
  void document(const nlohmann::ordered_json& value);

  // Whether the command's JSON document went out already (an error after it adds none).
  bool wrote_document() const { return m_wrote_document; }

  // The raw value of a secret, for the `token` command alone.
  void write_secret(std::string_view secret);

private:
  std::ostream& m_stream;
  bool m_json;
  bool m_wrote_document = false;
};

} // namespace aigw::cli
