// SPDX-License-Identifier: MIT
#pragma once

namespace aigw::cli {

// Parse `argv`, run the chosen command and return the process exit code. Never throws.
int run(int argc, char** argv);

} // namespace aigw::cli
