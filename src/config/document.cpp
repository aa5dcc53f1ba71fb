// SPDX-License-Identifier: MIT
#include "config/document.hpp"

namespace aigw::config {

util::Expected<std::unique_ptr<Document>, ParseError>
parse_document(Format format, std::string text)
{
  switch (format) {
  case Format::json:
    return parse_json(std::move(text), false);
  case Format::jsonc:
    return parse_json(std::move(text), true);
  case Format::toml:
    return parse_toml(std::move(text));
  case Format::dotenv:
    return parse_dotenv(std::move(text));
  case Format::cursor_db:
    return parse_cursor_state(std::move(text));
  }
  return util::unexpected(ParseError{1, 1, "unknown format"});
}

std::string
display_text(Format format, const std::string& bytes)
{
  if (format == Format::cursor_db && !bytes.empty()) {
    return cursor_state_listing(bytes);
  }
  return bytes;
}

} // namespace aigw::config
