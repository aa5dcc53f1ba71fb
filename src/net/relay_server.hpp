// SPDX-License-Identifier: MIT
// The local relay (`aigw-setup relay`): an HTTP server on a loopback address that agents
// use as their gateway. Forward mode passes each route to the real gateway and the OTel
// paths to the workspace, swapping the local relay key for the real credential and
// streaming replies as they arrive; offline mode answers every route itself. OTel exports
// that cannot be delivered are kept in the spool and delivered later. A test starts one
// in-process on port 0; the CLI runs one in the foreground until a signal.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "core/gateway.hpp"
#include "net/http.hpp"
#include "net/relay_config.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"

namespace aigw::net {

enum class RelayMode { forward, offline };

inline constexpr std::uint64_t k_default_spool_cap = 64ULL * 1024 * 1024;
inline constexpr std::size_t k_default_body_limit = 32U * 1024 * 1024;
inline constexpr std::size_t k_default_max_connections = 128;

struct RelayOptions
{
  ListenAddress listen{"127.0.0.1", 0};
  RelayMode mode = RelayMode::forward;
  core::Routes routes; // upstreams: one per agent route, and the workspace for OTel
  RelayTables tables;
  util::Secret key; // the local relay key agents must present
  // Where `key` is kept, named when an agent sends no key or another one; empty: not said.
  std::filesystem::path key_file;
  std::filesystem::path spool_dir;
  std::uint64_t spool_cap = k_default_spool_cap;
  std::size_t body_limit = k_default_body_limit; // larger request bodies get 413
  std::chrono::milliseconds flush_interval{30'000};
  std::chrono::milliseconds connect_timeout{10'000};
  // Long, since a model may think for minutes between two events; the agents' own
  // timeouts (Claude: 600 s) fire first.
  std::chrono::milliseconds idle_timeout{600'000};
  // A request line and its headers must arrive whole this long after their first byte,
  // or the connection is closed: agents send a head at once, a slow client holds a
  // connection no longer than this.
  std::chrono::milliseconds header_timeout{10'000};
  // Connections served at once; one more gets a 503 with Retry-After at once instead of
  // waiting behind the others.
  std::size_t max_connections = k_default_max_connections;
};

class Relay
{
public:
  Relay(RelayOptions options,
        std::shared_ptr<CredentialSource> credentials,
        std::shared_ptr<HttpClient> client);
  ~Relay();

  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Open the spool, bind the listen address and start serving in the background.
  util::Result<void> start();

  // The port really bound (the ephemeral one when the options said 0).
  int port() const;

  // Stop taking requests, end open streams (and their upstream transfers) and wait for the
  // server's threads.
  void stop();

  struct Impl;

private:
  std::unique_ptr<Impl> m_impl;
};

} // namespace aigw::net
