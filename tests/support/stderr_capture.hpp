// SPDX-License-Identifier: MIT
// What this process writes to stderr (file descriptor 2) while a StderrCapture lives: the
// log lines of in-process code (the relay's warnings), for tests that assert them. The
// relay's own threads write there too; doctest writes its report to stdout.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include <unistd.h>

namespace aigw::test {

class StderrCapture
{
public:
  StderrCapture() : m_file(std::tmpfile())
  {
    REQUIRE(m_file != nullptr);
    std::fflush(stderr);
    m_saved = ::dup(STDERR_FILENO);
    REQUIRE(::dup2(::fileno(m_file), STDERR_FILENO) >= 0);
  }
  ~StderrCapture()
  {
    restore();
    std::fclose(m_file);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  // Everything written so far.
  std::string text()
  {
    std::fflush(stderr);
    // pread leaves the offset alone: stderr, which shares it, keeps writing at the end.
    std::string all;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::pread(::fileno(m_file), buffer, sizeof buffer,
                          static_cast<off_t>(all.size()))) > 0) {
      all.append(buffer, static_cast<std::size_t>(got));
    }
    return all;
  }

private:
  void restore()
  {
    if (m_saved >= 0) {
      std::fflush(stderr);
      ::dup2(m_saved, STDERR_FILENO);
      ::close(m_saved);
      m_saved = -1;
    }
  }

  std::FILE* m_file;
  int m_saved = -1;
};

} // namespace aigw::test
