// SPDX-License-Identifier: MIT
#include "config/document.hpp"

namespace aigw::config {

// TODO(#2): the json editor is being written; until then every file is refused.
util::Expected<std::unique_ptr<Document>, ParseError>
parse_json(std::string, bool)
{
  return util::unexpected(ParseError{1, 1, "the json editor is not built yet"});
}

} // namespace aigw::config
