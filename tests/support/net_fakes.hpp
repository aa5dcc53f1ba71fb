// SPDX-License-Identifier: MIT
// Servers for the network tests, all on 127.0.0.1 and an ephemeral port: an HTTP server
// (cpp-httplib, optionally TLS with a throwaway self-signed certificate) that records what
// it was sent, and a raw TCP server that answers with fixed bytes or never answers at all.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

namespace aigw::test {

// One request as the fake server saw it. Headers are in the server's order (sorted by
// name, ignoring case), less the ones cpp-httplib adds itself.
struct SeenRequest
{
  std::string method;
  std::string target; // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // "Name: value\n" for every header.
  std::string header_text() const;
};

// An HTTP server on 127.0.0.1 that records every request and answers with `reply`
// (default: 200 {"ok":true}).
class FakeHttpServer
{
public:
  using Reply = std::function<void(const httplib::Request&, httplib::Response&)>;

  enum class Tls { off, self_signed };

  explicit FakeHttpServer(Tls tls = Tls::off);
  ~FakeHttpServer();

  void set_reply(Reply reply);
  int port() const { return m_port; }
  std::string url() const; // http(s)://127.0.0.1:PORT

  std::vector<SeenRequest> requests() const;
  // Wait (at most `seconds`) until `count` requests were seen.
  bool wait_for_requests(std::size_t count, int seconds = 10) const;

private:
  std::unique_ptr<httplib::Server> m_server;
  bool m_tls = false;
  int m_port = 0;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_seen;
  std::vector<SeenRequest> m_requests;
  Reply m_reply;
};

// A FakeHttpServer that notes the client port of every request it answers (one port, one
// connection) and answers with `body`, or with the request's path when none is given.
struct PortCountingServer
{
  explicit PortCountingServer(std::optional<std::string> body = std::nullopt)
  {
    server.set_reply([this, body](const httplib::Request& req, httplib::Response& res) {
      const std::lock_guard lock(mutex);
      ports.insert(req.remote_port);
      res.set_content(body.value_or(req.path), body ? "application/json" : "text/plain");
    });
  }

  // The connections the requests came on.
  std::size_t connections()
  {
    const std::lock_guard lock(mutex);
    return std::set<int>(ports.begin(), ports.end()).size();
  }

  FakeHttpServer server;
  std::mutex mutex;
  std::multiset<int> ports;
};

// A TCP server on 127.0.0.1 that, for each connection, reads the request head and writes
// `reply`; then closes, or with Hang::yes keeps the connection open and silent until the
// server is destroyed. An empty reply with Hang::yes is a server that never answers.
class RawServer
{
public:
  enum class Hang { no, yes };

  RawServer(std::string reply, Hang hang);
  ~RawServer();

  int port() const { return m_port; }
  std::string url() const;
  // Each request read so far, byte for byte as it came.
  std::vector<std::string> requests() const;

private:
  void serve();

  std::string m_reply;
  Hang m_hang;
  int m_listen_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_requests;
};

// A port on 127.0.0.1 that nothing listens on (it was bound and released).
int closed_port();

} // namespace aigw::test
