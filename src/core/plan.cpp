// SPDX-License-Identifier: MIT
#include "core/plan.hpp"

#include <array>
#include <utility>

namespace aigw::core {

namespace {

constexpr std::array k_format_names{
  std::pair{config::Format::json, "json"},
  std::pair{config::Format::jsonc, "jsonc"},
  std::pair{config::Format::toml, "toml"},
  std::pair{config::Format::dotenv, "dotenv"},
  std::pair{config::Format::cursor_db, "cursor-db"},
};

} // namespace

std::string
format_name(config::Format format)
{
  for (const auto& [known, name] : k_format_names) {
    if (known == format) {
      return name;
    }
  }
  return "unknown";
}

std::optional<config::Format>
format_from_name(const std::string& name)
{
  for (const auto& [format, known] : k_format_names) {
    if (name == known) {
      return format;
    }
  }
  return std::nullopt;
}

} // namespace aigw::core
