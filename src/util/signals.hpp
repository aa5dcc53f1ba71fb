// SPDX-License-Identifier: MIT
// Holding off Ctrl-C (and SIGTERM, SIGHUP) while files are being written: a run stopped
// half-way through its writes would leave some agents configured and others not. While a
// DeferredSignals lives, those signals are only noted; the caller checks received() once
// the writes are done and stops then (exit 130).
#pragma once

#include <csignal>

namespace aigw::util {

class DeferredSignals
{
public:
  DeferredSignals();
  ~DeferredSignals();
  DeferredSignals(const DeferredSignals&) = delete;
  DeferredSignals& operator=(const DeferredSignals&) = delete;

  // The signal that arrived while deferred, or 0.
  int received() const;

private:
  struct sigaction m_previous[3];
};

} // namespace aigw::util
