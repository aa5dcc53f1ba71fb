// SPDX-License-Identifier: MIT
#include "util/secret.hpp"

#include <mutex>
#include <vector>

namespace aigw::util {

namespace {

// Short strings would redact ordinary words; no real token is this short.
constexpr std::size_t k_min_secret_length = 6;

std::mutex g_mutex;
std::vector<std::string> g_secrets;

} // namespace

Secret::Secret(std::string value) : m_value(std::move(value))
{
  register_secret(m_value);
}

void
register_secret(std::string_view value)
{
  if (value.size() < k_min_secret_length) {
    return;
  }
  std::lock_guard lock(g_mutex);
  for (const auto& known : g_secrets) {
    if (known == value) {
      return;
    }
  }
  g_secrets.emplace_back(value);
}

std::string
redact(std::string_view text)
{
  std::string result(text);
  std::lock_guard lock(g_mutex);
  for (const auto& secret : g_secrets) {
    std::size_t at = 0;
    while ((at = result.find(secret, at)) != std::string::npos) {
      result.replace(at, secret.size(), "***");
      at += 3;
    }
  }
  return result;
}

} // namespace aigw::util
