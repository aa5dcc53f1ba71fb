// SPDX-License-Identifier: MIT
// Secrets by type. A Secret prints as "***" everywhere; its value comes out only through
// reveal(), which the code calls where a credential must really go (a 0600 file, an HTTP
// header, `token` output). Every secret seen in a run is also registered so that redact()
// can scrub it from any text on its way to stdout, stderr or a diff.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace aigw::util {

class Secret
{
public:
  Secret() = default;
  explicit Secret(std::string value);

  const std::string& reveal() const { return m_value; }
  bool empty() const { return m_value.empty(); }

  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "***"; }

private:
  std::string m_value;
};

// Remember `value` as a secret of this run so redact() scrubs it.
void register_secret(std::string_view value);

// `text` with every registered secret replaced by "***".
std::string redact(std::string_view text);

} // namespace aigw::util
