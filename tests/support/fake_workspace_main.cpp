// SPDX-License-Identifier: MIT
// The fake workspace as a process, for the end-to-end script: it accepts the token in the
// file given as the first argument, prints its URL on stdout, and on SIGTERM writes every
// OTLP export it received (signal, table header, content type, body size, and the data
// points, log records or spans its protobuf held) as JSON lines
// to the file given as the second argument.
#include <csignal>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/fake_workspace.hpp"

int
main(int argc, char** argv)
{
  if (argc != 3) {
    std::cerr << "usage: aigw_fake_workspace TOKEN_FILE EXPORTS_OUT\n";
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::string token;
  std::getline(std::ifstream(argv[1]), token);
  aigw::test::FakeWorkspace workspace;
  workspace.accept_token(token);
  std::cout << workspace.url() << std::endl;

  int signal_number = 0;
  sigwait(&stop, &signal_number);
  std::ofstream out(argv[2]);
  for (const auto& otlp : workspace.exports()) {
    out << nlohmann::json{{"signal", otlp.signal},
                          {"table", otlp.table},
                          {"content_type", otlp.content_type},
                          {"bytes", otlp.body.size()},
                          {"items", otlp.items}}
               .dump()
        << "\n";
  }
  return 0;
}
