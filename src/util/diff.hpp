// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace aigw::util {

// A unified diff (3 lines of context) from `before` to `after`, headed "--- label" and
// "+++ label"; empty when the texts are equal. Very long lines are shortened for display.
std::string unified_diff(std::string_view before, std::string_view after,
                         const std::string& label);

} // namespace aigw::util
