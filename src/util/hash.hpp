// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace aigw::util {

// Lowercase hex SHA-256 of `bytes`. Used to tell whether a file still holds what we wrote.
std::string sha256_hex(std::string_view bytes);

} // namespace aigw::util
