// SPDX-License-Identifier: MIT
#include "support/net_fakes.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aigw::test {

namespace {

constexpr std::array<const char*, 4> k_library_headers{"REMOTE_ADDR", "REMOTE_PORT",
                                                      "LOCAL_ADDR", "LOCAL_PORT"};

// A socket bound to 127.0.0.1 on an ephemeral port; returns the descriptor and the port.
std::pair<int, int>
bind_loopback()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot bind a loopback socket");
  }
  return {fd, ntohs(address.sin_port)};
}

// A throwaway self-signed certificate for "localhost" and its key.
std::unique_ptr<httplib::Server>
self_signed_server()
{
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  auto server = std::make_unique<httplib::SSLServer>(cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return server;
}

bool
wait_readable(int fd, int milliseconds)
{
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, milliseconds) > 0;
}

std::size_t
content_length_of(const std::string& head)
{
  std::string lower(head);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = lower.find("\ncontent-length:");
  return at == std::string::npos ? 0 : std::stoul(lower.substr(at + 16));
}

// Read one request (head, and a body of Content-Length bytes) into `data`; false when the
// peer left.
bool
read_request(int fd, const std::atomic<bool>& stop, std::string& data)
{
  char buffer[4096];
  std::size_t wanted = std::string::npos;
  while (!stop && (wanted == std::string::npos || data.size() < wanted)) {
    if (!wait_readable(fd, 50)) {
      continue;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      return false;
    }
    data.append(buffer, static_cast<std::size_t>(n));
    const auto head_end = data.find("\r\n\r\n");
    if (wanted == std::string::npos && head_end != std::string::npos) {
      wanted = head_end + 4 + content_length_of(data.substr(0, head_end));
    }
  }
  return !stop;
}

} // namespace

std::string
SeenRequest::header_text() const
{
  std::string text;
  for (const auto& [name, value] : headers) {
    text += name + ": " + value + "\n";
  }
  return text;
}

FakeHttpServer::FakeHttpServer(Tls tls)
  : m_server(tls == Tls::self_signed ? self_signed_server() : std::make_unique<httplib::Server>()),
    m_tls(tls == Tls::self_signed)
{
  const auto record = [this](const httplib::Request& req, httplib::Response& res) {
    SeenRequest seen{req.method, req.target, {}, req.body};
    for (const auto& [name, value] : req.headers) {
      if (std::none_of(k_library_headers.begin(), k_library_headers.end(),
                       [&](const char* own) { return name == own; })) {
        seen.headers.emplace_back(name, value);
      }
    }
    Reply reply;
    {
      const std::lock_guard lock(m_mutex);
      m_requests.push_back(std::move(seen));
      reply = m_reply;
    }
    m_seen.notify_all();
    if (reply) {
      reply(req, res);
    } else {
      res.set_content(R"({"ok":true})", "application/json");
    }
  };
  m_server->Get(".*", record);
  m_server->Post(".*", record);
  m_server->Put(".*", record);
  m_server->Delete(".*", record);
  m_server->Options(".*", record);

  m_port = m_server->bind_to_any_port("127.0.0.1");
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  while (!m_server->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FakeHttpServer::~FakeHttpServer()
{
  m_server->stop();
  m_thread.join();
}

void
FakeHttpServer::set_reply(Reply reply)
{
  const std::lock_guard lock(m_mutex);
  m_reply = std::move(reply);
}

std::string
FakeHttpServer::url() const
{
  return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port);
}

std::vector<SeenRequest>
FakeHttpServer::requests() const
{
  const std::lock_guard lock(m_mutex);
  return m_requests;
}

bool
FakeHttpServer::wait_for_requests(std::size_t count, int seconds) const
{
  std::unique_lock lock(m_mutex);
  return m_seen.wait_for(lock, std::chrono::seconds(seconds),
                         [&] { return m_requests.size() >= count; });
}

RawServer::RawServer(std::string reply, Hang hang) : m_reply(std::move(reply)), m_hang(hang)
{
  std::tie(m_listen_fd, m_port) = bind_loopback();
  ::listen(m_listen_fd, 8);
  m_thread = std::thread([this] { serve(); });
}

RawServer::~RawServer()
{
  m_stop = true;
  m_thread.join();
  ::close(m_listen_fd);
}

std::string
RawServer::url() const
{
  return "http://127.0.0.1:" + std::to_string(m_port);
}

void
RawServer::serve()
{
  while (!m_stop) {
    if (!wait_readable(m_listen_fd, 50)) {
      continue;
    }
    const int fd = ::accept(m_listen_fd, nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    std::string request;
    const bool whole = read_request(fd, m_stop, request);
    {
      const std::lock_guard lock(m_mutex);
      m_requests.push_back(std::move(request));
    }
    if (whole && !m_reply.empty()) {
      (void)::send(fd, m_reply.data(), m_reply.size(), MSG_NOSIGNAL);
    }
    while (m_hang == Hang::yes && !m_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }
}

std::vector<std::string>
RawServer::requests() const
{
  const std::lock_guard lock(m_mutex);
  return m_requests;
}

int
closed_port()
{
  const auto [fd, port] = bind_loopback();
  ::close(fd);
  return port;
}

} // namespace aigw::test
