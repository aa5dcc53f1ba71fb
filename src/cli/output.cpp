// SPDX-License-Identifier: MIT
#include "cli/output.hpp"

#include "util/secret.hpp"

namespace aigw::cli {

void
Output::line(std::string_view text)
{
  if (!m_json) {
    m_stream << util::redact(text) << '\n';
  }
}

void
Output::document(const nlohmann::ordered_json& value)
{
  if (m_json) {
    m_stream << util::redact(value.dump(2)) << '\n';
    m_wrote_document = true;
  }
}

void
Output::write_secret(std::string_view secret)
{
  m_stream << secret << '\n';
  m_stream.flush();
}

} // namespace aigw::cli
