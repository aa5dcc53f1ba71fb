// SPDX-License-Identifier: MIT
// The one error model. Foreseeable failures are `Error` values inside `Expected`; when a
// command cannot go on it throws `Fatal`, which only the top level catches. The kind of
// an error decides the process exit code (see ExitCode in cli/exit_code.hpp).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include "util/expected.hpp"

namespace aigw::util {

enum class ErrorKind {
  failed,      // a round trip or check failed
  usage,       // the command line or an input value is wrong
  parse,       // an existing file could not be parsed or validated
  remote,      // network, TLS, auth or an API error
  write,       // a file could not be written: permission, disk, lock held
  interrupted, // the user pressed Ctrl-C
};

// A failure with a message that names its object (file:line:column, key or URL) and cause.
struct Error
{
  ErrorKind kind = ErrorKind::failed;
  std::string message;
};

template <class T>
using Result = Expected<T, Error>;

// Shorthand for returning a failure of `kind` from a function that returns Result<T>.
inline Unexpected<Error>
fail(ErrorKind kind, std::string message)
{
  return {Error{kind, std::move(message)}};
}

// Thrown when a command cannot continue; caught once, in cli::run.
class Fatal : public std::runtime_error
{
public:
  explicit Fatal(Error error) : std::runtime_error(error.message), m_error(std::move(error)) {}
  Fatal(ErrorKind kind, std::string message) : Fatal(Error{kind, std::move(message)}) {}

  const Error& error() const { return m_error; }

private:
  Error m_error;
};

// The value of `result`, or throw its error as Fatal.
template <class T>
T
value_or_throw(Result<T>&& result)
{
  if (!result) {
    throw Fatal(std::move(result).error());
  }
  return std::move(result).value();
}

inline void
throw_on_error(Result<void>&& result)
{
  if (!result) {
    throw Fatal(std::move(result).error());
  }
}

} // namespace aigw::util
