// SPDX-License-Identifier: MIT
// HTTP header lists. Names compare without regard to ASCII case (RFC 9110 5.1), while the
// spelling, order and repeats of what was stored are kept, so a relay passes headers on
// the way the agent wrote them.
#include "net/http.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace aigw::net {

namespace {

char
ascii_lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool
same_name(std::string_view a, std::string_view b)
{
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return ascii_lower(x) == ascii_lower(y);
            });
}

} // namespace

std::optional<std::string>
Headers::get(std::string_view name) const
{
  for (const auto& [key, value] : items) {
    if (same_name(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

void
Headers::set(std::string name, std::string value)
{
  // The new value takes the place of the first old one, so the order stays stable.
  auto first = std::find_if(items.begin(), items.end(), [&](const auto& item) {
    return same_name(item.first, name);
  });
  if (first == items.end()) {
    items.emplace_back(std::move(name), std::move(value));
    return;
  }

  const auto index = first - items.begin();
  remove(name);
  items.insert(items.begin() + index, {std::move(name), std::move(value)});
}

void
Headers::add_line(std::string_view line)
{
  if (line.empty()) {
    return;
  }
  if ((line.front() == ' ' || line.front() == '\t') && !items.empty()) {
    items.back().second += " " + std::string(util::trim(line));
    return;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    add(std::string(util::trim(line.substr(0, colon))),
        std::string(util::trim(line.substr(colon + 1))));
  }
}

void
Headers::add(std::string name, std::string value)
{
  items.emplace_back(std::move(name), std::move(value));
}

void
Headers::remove(std::string_view name)
{
  std::erase_if(items, [&](const auto& item) { return same_name(item.first, name); });
}

} // namespace aigw::net
