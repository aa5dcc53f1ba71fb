// SPDX-License-Identifier: MIT
#include "util/signals.hpp"

namespace aigw::util {

namespace {

constexpr int k_deferred[] = {SIGINT, SIGTERM, SIGHUP};
volatile std::sig_atomic_t g_received = 0;

extern "C" void
note_signal(int number)
{
  g_received = number;
}

} // namespace

DeferredSignals::DeferredSignals()
{
  g_received = 0;
  struct sigaction noting = {};
  noting.sa_handler = note_signal;
  sigemptyset(&noting.sa_mask);
  for (int i = 0; i < 3; ++i) {
    sigaction(k_deferred[i], &noting, &m_previous[i]);
  }
}

DeferredSignals::~DeferredSignals()
{
  for (int i = 0; i < 3; ++i) {
    sigaction(k_deferred[i], &m_previous[i], nullptr);
  }
}

int
DeferredSignals::received() const
{
  return g_received;
}

} // namespace aigw::util
