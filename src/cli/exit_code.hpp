// SPDX-License-Identifier: MIT
// The exit codes of SPEC.md, in one place.
#pragma once

#include "util/error.hpp"

namespace aigw::cli {

enum class ExitCode : int {
  ok = 0,
  failed = 1,      // a round trip or check failed
  usage = 2,       // usage error
  parse = 3,       // an existing file could not be parsed or validated; nothing was written
  remote = 4,      // a remote call failed: network, TLS, auth, or an API error
  write = 5,       // a file could not be written: permission, disk, lock held
  interrupted = 130,
};

inline ExitCode
exit_code_for(util::ErrorKind kind)
{
  switch (kind) {
  case util::ErrorKind::failed:
    return ExitCode::failed;
  case util::ErrorKind::usage:
    return ExitCode::usage;
  case util::ErrorKind::parse:
    return ExitCode::parse;
  case util::ErrorKind::remote:
    return ExitCode::remote;
  case util::ErrorKind::write:
    return ExitCode::write;
  case util::ErrorKind::interrupted:
    return ExitCode::interrupted;
  }
  return ExitCode::failed;
}

} // namespace aigw::cli
