// SPDX-License-Identifier: MIT
// The certificate is made with OpenSSL's API and written as PEM files, because
// cpp-httplib's SSLServer loads its certificate and key from files, and because a test can
// then hand the same file to a client as the CA it should trust.
#include "support/tls_server.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aigw::test {

namespace {

constexpr long k_valid_seconds = 3600;

void
write_pem(const std::filesystem::path& path, EVP_PKEY* key, X509* certificate)
{
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    throw std::runtime_error("cannot write " + path.string());
  }
  const int written = certificate != nullptr
                        ? PEM_write_X509(file, certificate)
                        : PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
  if (written != 1) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

void
add_extension(X509* certificate, int nid, const char* value)
{
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) {
    throw std::runtime_error("cannot make a certificate extension");
  }
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

// A self-signed RSA certificate for localhost and 127.0.0.1, written to `cert` and `key`.
void
make_certificate(const std::filesystem::path& cert, const std::filesystem::path& key_file)
{
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
  X509* certificate = X509_new();
  if (key == nullptr || certificate == nullptr) {
    throw std::runtime_error("cannot make a test certificate");
  }
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 7);
  X509_gmtime_adj(X509_getm_notBefore(certificate), -60);
  X509_gmtime_adj(X509_getm_notAfter(certificate), k_valid_seconds);
  X509_set_pubkey(certificate, key);
  X509_NAME* subject = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("aigw-setup tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(certificate, subject);
  add_extension(certificate, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(certificate, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  X509_sign(certificate, key, EVP_sha256());

  write_pem(cert, key, certificate);
  write_pem(key_file, key, nullptr);
  X509_free(certificate);
  EVP_PKEY_free(key);
}

} // namespace

SelfSignedTlsServer::SelfSignedTlsServer(const std::filesystem::path& dir)
  : m_certificate(dir / "self-signed.pem")
{
  const auto key = dir / "self-signed.key";
  std::filesystem::create_directories(dir);
  make_certificate(m_certificate, key);
  m_server = std::make_unique<httplib::SSLServer>(m_certificate.c_str(), key.c_str());
  const auto ok = [](const httplib::Request&, httplib::Response& response) {
    response.set_content("{}", "application/json");
  };
  m_server->Get(".*", ok);
  m_server->Post(".*", ok);
  m_port = m_server->bind_to_any_port("127.0.0.1");
  if (m_port <= 0) {
    throw std::runtime_error("the TLS test server cannot bind a loopback port");
  }
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  while (!m_server->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

SelfSignedTlsServer::~SelfSignedTlsServer()
{
  m_server->stop();
  m_thread.join();
}

std::string
SelfSignedTlsServer::url() const
{
  return "https://127.0.0.1:" + std::to_string(m_port);
}

int
unused_loopback_port()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  const bool bound = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0
                     && ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  if (fd >= 0) {
    ::close(fd);
  }
  if (!bound) {
    throw std::runtime_error("cannot bind a loopback port");
  }
  return ntohs(address.sin_port);
}

} // namespace aigw::test
