// SPDX-License-Identifier: MIT
// Bugs found by trying to break the relay's forward path after its rework (issue #3): an
// upstream reply framed two ways, request header lines the library skips, percent-encoded
// bytes in a header value, and a credential file rewritten in place with its size and
// modification time kept. Each case asserts what the agent or the upstream should see.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>

#include "net/relay_config.hpp"
#include "net/relay_server.hpp"
#include "support/net_fakes.hpp"
#include "support/relay_harness.hpp"
#include "support/test_context.hpp"

namespace net = aigw::net;
using aigw::test::RawServer;
using aigw::test::TempDir;
using aigw::test::relay_harness::k_key;
using aigw::test::relay_harness::options_for;
using aigw::test::relay_harness::post;
using aigw::test::relay_harness::RawClient;
using aigw::test::relay_harness::RelayRig;
using aigw::test::relay_harness::with_key;

namespace {

// A request head to the relay with the key and `extra` header lines (each ending in CRLF),
// a two-byte body, and the connection left open unless `extra` closes it.
std::string
raw_post(int port, const std::string& extra)
{
  return "POST /anthropic/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
         + "\r\nAuthorization: Bearer " + k_key + "\r\n" + extra
         + "Content-Length: 2\r\n\r\n{}";
}

// The Content-Length a reply head announces, or npos when it has none.
std::size_t
announced_length(const std::string& head)
{
  const std::string name = "\r\nContent-Length: ";
  const auto at = head.find(name);
  if (at == std::string::npos) {
    return std::string::npos;
  }
  return std::stoul(head.substr(at + name.size()));
}

// The body that starts at `at` in `bytes`, framed as `head` says (Content-Length or
// chunked), and where the bytes after it begin; nullopt when the framing does not parse.
std::optional<std::pair<std::string, std::size_t>>
framed_body(const std::string& head, const std::string& bytes, std::size_t at)
{
  if (const auto length = announced_length(head); length != std::string::npos) {
    return std::pair{bytes.substr(at, length), at + length};
  }
  if (head.find("\r\nTransfer-Encoding: chunked") == std::string::npos) {
    return std::nullopt;
  }
  std::string body;
  for (;;) {
    const auto line_end = bytes.find("\r\n", at);
    if (line_end == std::string::npos) {
      return std::nullopt;
    }
    const std::size_t size = std::stoul(bytes.substr(at, line_end - at), nullptr, 16);
    if (size == 0) {
      return std::pair{body, line_end + 4}; // the last chunk, then the blank line
    }
    body += bytes.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
}

// A chunked body of 20 bytes, its last chunk and the blank line after it.
const std::string k_chunked = "14\r\n0123456789ABCDEFGHIJ\r\n0\r\n\r\n";

// What an agent reads on one connection for two requests through the relay, the first
// answered by an upstream that sends `reply`, until the relay closes after the second.
std::string
two_requests(const std::string& reply)
{
  RawServer gateway(reply, RawServer::Hang::no);
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  RawClient agent(rig.port());
  REQUIRE(agent.send(raw_post(rig.port(), "")));
  REQUIRE(agent.read_until("ABCDEFGHIJ", std::chrono::seconds(5)));
  REQUIRE(agent.send(raw_post(rig.port(), "Connection: close\r\n")));
  const auto received = agent.read_until_closed();
  REQUIRE(received);
  return *received;
}

// The first reply's body, read as its head frames it, is `body`, and the second reply
// starts right after it.
void
check_in_step(const std::string& received, const std::string& body)
{
  const auto head_end = received.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const auto framed = framed_body(received.substr(0, head_end + 2), received, head_end + 4);
  REQUIRE(framed);
  CHECK(framed->first == body);
  CHECK(received.compare(framed->second, 9, "HTTP/1.1 ") == 0);
}

// Whether the relay's reply to a request it refused was `status`.
bool
replied_with(const std::string& received, int status)
{
  return received.rfind("HTTP/1.1 " + std::to_string(status) + " ", 0) == 0;
}

} // namespace

// The control for the case below: a reply framed one way keeps the agent's connection in
// step, so the helper that reads both framings is right about the relay's chunked replies.
TEST_CASE("net::Relay frames a chunked reply so the next one follows it")
{
  const std::string received = two_requests("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                            "Transfer-Encoding: chunked\r\n\r\n" + k_chunked);
  check_in_step(received, "0123456789ABCDEFGHIJ");
}

// RFC 9112 6.3: Transfer-Encoding overrides Content-Length. Announcing the upstream's
// Content-Length and then writing the whole chunked body puts bytes of this reply where
// the agent reads the head of its next one on the same connection.
TEST_CASE("net::Relay frames a reply with both Content-Length and Transfer-Encoding once")
{
  const std::string received = two_requests("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                            "Content-Length: 5\r\nTransfer-Encoding: chunked"
                                            "\r\n\r\n" + k_chunked);
  check_in_step(received, "0123456789ABCDEFGHIJ");
}

// A continuation line (obs-fold) or a line with no colon is skipped by cpp-httplib, but
// stopped the relay's own reading of the head: every header after it was dropped, here
// the API version the gateway needs. RFC 9112 5.2 allows unfolding the line, as the relay
// now does.
TEST_CASE("net::Relay drops no header that follows a folded line")
{
  RawServer gateway("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", RawServer::Hang::no);
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  RawClient agent(rig.port());
  REQUIRE(agent.send(raw_post(rig.port(), "X-Folded: first\r\n  second\r\n"
                                          "anthropic-version: 2023-06-01\r\n"
                                          "Connection: close\r\n")));
  const auto received = agent.read_until_closed();
  REQUIRE(received);

  CHECK(replied_with(*received, 200));
  const auto seen = gateway.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen.at(0).find("\r\nX-Folded: first second\r\n") != std::string::npos);
  CHECK(seen.at(0).find("\r\nanthropic-version: 2023-06-01\r\n") != std::string::npos);
}

// Values go upstream as sent, not percent-decoded, so "%0A" in a value (W3C baggage
// encodes line breaks that way) is three plain characters and no line break.
TEST_CASE("net::Relay forwards a value holding %0A as sent")
{
  RawServer gateway("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", RawServer::Hang::no);
  RelayRig rig(options_for(gateway.url(), gateway.url()));
  auto request = with_key(post(rig.url("/anthropic/v1/messages")));
  request.headers.add("baggage", "note=line1%0Aline2");
  const auto response = rig.send(request);
  REQUIRE(response);

  CHECK(response->status == 200);
  const auto seen = gateway.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen.at(0).find("\r\nbaggage: note=line1%0Aline2\r\n") != std::string::npos);
}

// An in-place write of a token of the same length, its modification time put back (cp -p,
// touch -r, rsync -t do that): inode, size and mtime are as before, the ctime is not.
TEST_CASE("net::StoredCredentialSource sees a token rewritten in place with its mtime kept")
{
  TempDir dir;
  const auto file = dir / "credentials.json";
  const auto text = [](const std::string& token) {
    return R"({"version": 1, "auth": "pat", "token": ")" + token + "\"}\n";
  };
  aigw::test::write_bytes(file, text("dapi-rotated-token-AAAA"));
  net::StoredCredentialSource credentials(file, [](const std::string&) { return std::nullopt; });
  REQUIRE(credentials.bearer().value().reveal() == "dapi-rotated-token-AAAA");

  struct stat before{};
  REQUIRE(::stat(file.c_str(), &before) == 0);
  {
    std::fstream in_place(file, std::ios::in | std::ios::out | std::ios::binary);
    in_place << text("dapi-rotated-token-BBBB");
  }
  const timespec times[2] = {before.st_atim, before.st_mtim};
  REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
  struct stat after{};
  REQUIRE(::stat(file.c_str(), &after) == 0);
  REQUIRE(after.st_ino == before.st_ino);
  REQUIRE(after.st_size == before.st_size);

  CHECK(credentials.bearer().value().reveal() == "dapi-rotated-token-BBBB");
}
