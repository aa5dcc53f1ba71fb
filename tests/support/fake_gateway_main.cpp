// SPDX-License-Identifier: MIT
// The fake gateway as a process, for the end-to-end script:
//
//   aigw_fake_gateway TOKEN_FILE REQUESTS_OUT [RELAY_KEY_FILE]
//
// It accepts the token in TOKEN_FILE, prints its URL on stdout, and on SIGTERM writes each
// request it saw to REQUESTS_OUT as a JSON line: method, path, whether Authorization was
// exactly `Bearer <token>`, whether the relay key appeared anywhere in the request, and the
// value of x-databricks-use-coding-agent-mode (null when absent). No credential is ever
// written there. The relay key file is read only at SIGTERM, because `configure` makes it
// after this process has started.
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "support/fake_gateway.hpp"

namespace {

std::string
first_line(const char* file)
{
  std::string line;
  std::ifstream in(file);
  std::getline(in, line);
  return line;
}

// Whether `key` appears in the path, query, any header or the body of `request`.
bool
carries(const aigw::test::GatewayRequest& request, const std::string& key)
{
  if (key.empty()) {
    return false;
  }
  bool found = request.path.find(key) != std::string::npos
               || request.query.find(key) != std::string::npos
               || request.body.find(key) != std::string::npos;
  for (const auto& [name, value] : request.headers) {
    found = found || name.find(key) != std::string::npos || value.find(key) != std::string::npos;
  }
  return found;
}

nlohmann::ordered_json
summary(const aigw::test::GatewayRequest& request, const std::string& token, const std::string& key)
{
  const auto authorization = request.headers.equal_range("authorization");
  const bool exact = std::distance(authorization.first, authorization.second) == 1
                     && authorization.first->second == "Bearer " + token;
  const auto mode = request.headers.find("x-databricks-use-coding-agent-mode");
  const bool has_mode = mode != request.headers.end();
  return {{"method", request.method},
          {"path", request.path},
          {"authorization_is_token", exact},
          {"relay_key_seen", carries(request, key)},
          {"coding_agent_mode", has_mode ? nlohmann::ordered_json(mode->second) : nullptr}};
}

// Write the summary of every request to `out`; 1 when the relay key file has no key.
int
write_record(const aigw::test::FakeGateway& gateway, const std::string& token, const char* out,
             const char* key_file)
{
  const std::string key = key_file ? first_line(key_file) : "";
  if (key_file && key.empty()) {
    // Without the key, "relay_key_seen": false would be said of every request unchecked.
    std::cerr << "aigw_fake_gateway: no relay key in " << key_file << "\n";
    return 1;
  }
  std::ofstream file(out);
  for (const auto& request : gateway.requests()) {
    file << summary(request, token, key).dump() << "\n";
  }
  return 0;
}

} // namespace

int
main(int argc, char** argv)
{
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: aigw_fake_gateway TOKEN_FILE REQUESTS_OUT [RELAY_KEY_FILE]\n";
    return 2;
  }
  // An agent that goes away mid-stream must not end the gateway.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  const std::string token = first_line(argv[1]);
  if (token.empty()) {
    std::cerr << "aigw_fake_gateway: no token in " << argv[1] << "\n";
    return 2;
  }
  aigw::test::FakeGateway gateway;
  gateway.accept_token(token);
  std::cout << gateway.url() << std::endl;

  int signal_number = 0;
  sigwait(&stop, &signal_number);
  return write_record(gateway, token, argv[2], argc == 4 ? argv[3] : nullptr);
}
