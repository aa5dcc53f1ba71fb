// SPDX-License-Identifier: MIT
#include "cli/app.hpp"

namespace aigw::cli {

int
run(int, char**)
{
  // TODO(#2): the command frame is being written.
  return 2;
}

} // namespace aigw::cli
