// SPDX-License-Identifier: MIT
// Endpoints for the network failures of `test`, all on 127.0.0.1: a TLS server whose
// certificate is self-signed and made when the server starts (so no client trusts it, as
// with a corporate CA the client does not know), and a port that nothing listens on.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
} // namespace httplib

namespace aigw::test {

class SelfSignedTlsServer
{
public:
  // Write the certificate (CN localhost, subjectAltName IP:127.0.0.1, one hour) and its key
  // into `dir`, then serve HTTPS with them; every request gets 200.
  explicit SelfSignedTlsServer(const std::filesystem::path& dir);
  ~SelfSignedTlsServer();
  SelfSignedTlsServer(const SelfSignedTlsServer&) = delete;
  SelfSignedTlsServer& operator=(const SelfSignedTlsServer&) = delete;

  std::string url() const; // https://127.0.0.1:PORT
  const std::filesystem::path& certificate() const { return m_certificate; } // PEM

private:
  std::filesystem::path m_certificate;
  std::unique_ptr<httplib::Server> m_server;
  std::thread m_thread;
  int m_port = 0;
};

// A port on 127.0.0.1 that was free a moment ago: bound, noted and released.
int unused_loopback_port();

} // namespace aigw::test
