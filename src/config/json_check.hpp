// SPDX-License-Identifier: MIT
// The verdict on JSON text: nlohmann/json decides what is valid, in one SAX pass that builds
// no tree, and this adds what the agents' readers add on top: the top level must be an
// object, no key may repeat in one object, no BOM and no NUL byte. A failure becomes a short
// message at the line and column a person would fix.
#pragma once

#include <optional>
#include <string_view>

#include "config/document.hpp"

namespace aigw::config {

// nullopt when the agents read `text` as it looks, else where and why they would not.
std::optional<ParseError> check_json(std::string_view text, bool allow_comments);

} // namespace aigw::config
