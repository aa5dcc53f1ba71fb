// SPDX-License-Identifier: MIT
// The telemetry spool under SIGKILL: a child process is killed at random moments while it
// appends, and while it delivers to a loopback collector; no record may be lost or broken.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include "net/spool.hpp"
#include "support/spool_records.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::net::flush_spool;
using aigw::net::HttpClient;
using aigw::net::HttpError;
using aigw::net::HttpErrorKind;
using aigw::net::HttpRequest;
using aigw::net::HttpResponse;
using aigw::net::Spool;
using aigw::test::TempDir;
using aigw::test::spool_records::bodies_of;
using aigw::test::spool_records::count_with_suffix;
using aigw::test::spool_records::k_big_cap;
using aigw::test::spool_records::logs_record;
using aigw::test::spool_records::Reply;
using aigw::util::Secret;

namespace {

std::string
crash_body(std::uint64_t n)
{
  // Sizes vary so that kills land in writes of different lengths.
  return "record-" + std::to_string(n) + "-" + std::string(n * 7919 % 20000, 'z');
}

// The child side of the append crash test: append until killed, reporting on `fd` the
// count of appends that returned.
[[noreturn]] void
append_until_killed(const fs::path& spool_dir, int fd)
{
  auto spool = Spool::open(spool_dir, k_big_cap);
  if (!spool) {
    ::_exit(3);
  }
  for (std::uint64_t n = 1; n < 1'000'000; ++n) {
    if (!spool->append(logs_record(crash_body(n)))) {
      ::_exit(2);
    }
    if (::write(fd, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) {
      ::_exit(4);
    }
  }
  ::_exit(0);
}

// The last count the child wrote before it died.
std::uint64_t
last_count(int fd)
{
  std::uint64_t last = 0;
  std::uint64_t value = 0;
  while (::read(fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
    last = value;
  }
  return last;
}

void
kill_and_reap(pid_t child)
{
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
}

} // namespace

TEST_CASE("net::Spool survives SIGKILL during append")
{
  TempDir dir;
  std::mt19937 random(20261204);
  std::uniform_int_distribution<int> delay_us(0, 25'000);
  constexpr int k_runs = 120;

  for (int run = 0; run < k_runs; ++run) {
    const fs::path spool_dir = dir / ("run" + std::to_string(run));
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(fds[0]);
      append_until_killed(spool_dir, fds[1]);
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    kill_and_reap(child);
    const std::uint64_t durable = last_count(fds[0]);
    ::close(fds[0]);

    auto spool = Spool::open(spool_dir, k_big_cap);
    REQUIRE(spool);
    const auto entries = spool->entries();
    INFO("run " << run << ": " << durable << " appends returned, " << entries.size()
                << " records on disk");
    CHECK((entries.size() == durable || entries.size() == durable + 1));
    // Every record file is listed (none was skipped as broken) and reads back whole.
    CHECK(count_with_suffix(spool_dir, ".otlp") == entries.size());
    CHECK(count_with_suffix(spool_dir, ".tmp") == 0);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      CHECK(entries[i].sequence == i + 1);
      auto record = spool->read(entries[i]);
      REQUIRE(record);
      CHECK(record->body == crash_body(i + 1));
    }
  }
}

namespace {

// An HttpClient over cpp-httplib, for the child that delivers to the loopback server.
class LoopbackClient : public HttpClient
{
public:
  explicit LoopbackClient(int port) : m_port(port) {}

  Reply send(const HttpRequest& request) override
  {
    const std::string prefix = "http://127.0.0.1:" + std::to_string(m_port);
    REQUIRE(request.url.starts_with(prefix));
    httplib::Client client("127.0.0.1", m_port);
    httplib::Headers headers;
    for (const auto& [name, value] : request.headers.items) {
      if (name != "Content-Type") {
        headers.emplace(name, value);
      }
    }
    const std::string type = request.headers.get("Content-Type").value_or("");
    auto result = client.Post(request.url.substr(prefix.size()), headers, request.body, type);
    if (!result) {
      return aigw::util::unexpected(
        HttpError{HttpErrorKind::connect, httplib::to_string(result.error())});
    }
    return HttpResponse{result->status, {}, result->body};
  }

  std::unique_ptr<aigw::net::HttpTransfer> open(HttpRequest request) override
  {
    return aigw::net::finished_transfer(send(request));
  }

private:
  int m_port;
};

// A loopback OTel collector in its own process: it appends each body it takes, one per
// line, to `log` before it answers 200.
class CollectorProcess
{
public:
  explicit CollectorProcess(const fs::path& log)
  {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::close(fds[0]);
      serve(log, fds[1]);
    }
    ::close(fds[1]);
    REQUIRE(::read(fds[0], &m_port, sizeof m_port) == static_cast<ssize_t>(sizeof m_port));
    ::close(fds[0]);
  }
  CollectorProcess(const CollectorProcess&) = delete;
  CollectorProcess& operator=(const CollectorProcess&) = delete;
  ~CollectorProcess() { kill_and_reap(m_pid); }

  int port() const { return m_port; }

private:
  [[noreturn]] static void serve(const fs::path& log, int fd)
  {
    httplib::Server server;
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    server.Post(R"(/api/2\.0/otel/v1/(logs|metrics|traces))",
                [out](const httplib::Request& request, httplib::Response& response) {
                  const std::string line = request.body + "\n";
                  if (::write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
                    ::_exit(5);
                  }
                  response.status = 200;
                });
    const int port = server.bind_to_any_port("127.0.0.1");
    if (out < 0 || port <= 0 || ::write(fd, &port, sizeof port) != sizeof port) {
      ::_exit(6);
    }
    ::close(fd);
    server.listen_after_bind();
    ::_exit(0);
  }

  pid_t m_pid = -1;
  int m_port = 0;
};

std::set<std::string>
lines_of(const fs::path& file)
{
  std::set<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    lines.insert(line);
  }
  return lines;
}

} // namespace

TEST_CASE("net::flush_spool survives SIGKILL: every record is delivered or still kept")
{
  TempDir dir;
  const fs::path spool_dir = dir / "spool";
  const fs::path log = dir / "received.log";
  CollectorProcess collector(log);
  const std::string workspace = "http://127.0.0.1:" + std::to_string(collector.port());
  auto spool = Spool::open(spool_dir, k_big_cap);
  REQUIRE(spool);

  std::mt19937 random(1204);
  std::uniform_int_distribution<int> delay_us(0, 15'000);
  std::vector<std::string> sent;
  constexpr int k_runs = 100;
  for (int run = 0; run < k_runs; ++run) {
    for (int k = 0; k < 3; ++k) {
      sent.push_back("export-" + std::to_string(run) + "-" + std::to_string(k));
      REQUIRE(spool->append(logs_record(sent.back())));
    }

    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      auto own = Spool::open(spool_dir, k_big_cap);
      LoopbackClient client(collector.port());
      if (own) {
        flush_spool(*own, client, workspace, Secret("dapi-test"));
      }
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    kill_and_reap(child);

    const std::set<std::string> received = lines_of(log);
    const std::vector<std::string> kept = bodies_of(*spool);
    const std::set<std::string> on_disk(kept.begin(), kept.end());
    for (const std::string& body : sent) {
      INFO("run " << run << ": " << body);
      CHECK((received.contains(body) || on_disk.contains(body)));
    }
  }

  // A last, uninterrupted flush delivers what is left.
  LoopbackClient client(collector.port());
  const auto outcome = flush_spool(*spool, client, workspace, Secret("dapi-test"));
  CHECK_FALSE(outcome.failure);
  CHECK(outcome.remaining == 0);
  const std::set<std::string> received = lines_of(log);
  for (const std::string& body : sent) {
    CHECK(received.contains(body));
  }
}
