// SPDX-License-Identifier: MIT
// The telemetry spool: exact record bytes, order, the cap, crash leftovers, concurrent
// appends, delivery through a fake HttpClient, and two crash tests that SIGKILL a child
// process at random moments, while it appends and while it delivers to a loopback server.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include "net/spool.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::net::flush_spool;
using aigw::net::Headers;
using aigw::net::HttpClient;
using aigw::net::HttpError;
using aigw::net::HttpErrorKind;
using aigw::net::HttpRequest;
using aigw::net::HttpResponse;
using aigw::net::Spool;
using aigw::net::SpoolEntry;
using aigw::net::SpoolRecord;
using aigw::test::read_bytes;
using aigw::test::TempDir;
using aigw::test::write_bytes;
using aigw::util::Secret;

namespace {

using Reply = aigw::util::Expected<HttpResponse, HttpError>;

constexpr std::uint64_t k_big_cap = 64ULL << 20;

SpoolRecord
logs_record(const std::string& body)
{
  SpoolRecord record;
  record.path = "/api/2.0/otel/v1/logs";
  record.headers.add("Content-Type", "application/x-protobuf");
  record.headers.add("X-Databricks-UC-Table-Name", "main.default.cc_otel_logs");
  record.body = body;
  return record;
}

std::vector<std::string>
names_of(const std::vector<SpoolEntry>& entries)
{
  std::vector<std::string> names;
  for (const SpoolEntry& entry : entries) {
    names.push_back(entry.file.filename().string());
  }
  return names;
}

std::vector<std::string>
bodies_of(const Spool& spool)
{
  std::vector<std::string> bodies;
  for (const SpoolEntry& entry : spool.entries()) {
    auto record = spool.read(entry);
    REQUIRE(record);
    bodies.push_back(record->body);
  }
  return bodies;
}

unsigned
mode_of(const fs::path& path)
{
  struct stat info
  {
  };
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

std::size_t
count_with_suffix(const fs::path& dir, const std::string& suffix)
{
  std::size_t n = 0;
  for (const auto& item : fs::directory_iterator(dir)) {
    n += item.path().filename().string().ends_with(suffix) ? 1U : 0U;
  }
  return n;
}

// Records what it is asked to send and answers from a script (200 when the script is out).
class FakeHttpClient : public HttpClient
{
public:
  std::vector<HttpRequest> requests;
  std::deque<Reply> script;

  Reply send(const HttpRequest& request) override
  {
    requests.push_back(request);
    if (script.empty()) {
      return HttpResponse{200, {}, ""};
    }
    Reply reply = std::move(script.front());
    script.pop_front();
    return reply;
  }

  Reply stream(const HttpRequest& request,
               const aigw::net::HeadCallback&,
               const aigw::net::ChunkCallback&) override
  {
    return send(request);
  }
};

Reply
status_reply(int status, std::string body = "")
{
  return HttpResponse{status, {}, std::move(body)};
}

} // namespace

TEST_CASE("net::Spool::append")
{
  TempDir dir;
  const fs::path spool_dir = dir / "spool";

  SUBCASE("a record round-trips, byte for byte")
  {
    auto spool = Spool::open(spool_dir, k_big_cap);
    REQUIRE(spool);
    const SpoolRecord record = logs_record(std::string("\x0a\x03\x00\xff\n", 5));
    REQUIRE(spool->append(record));

    const auto entries = spool->entries();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].file == spool_dir / "00000000000000000001.otlp");
    CHECK(entries[0].sequence == 1);
    const std::string expected =
      R"({"version":1,"path":"/api/2.0/otel/v1/logs","headers":[["Content-Type",)"
      R"("application/x-protobuf"],["X-Databricks-UC-Table-Name","main.default.cc_otel_logs"]],)"
      R"("body_bytes":5})"
      "\n"
      + record.body;
    CHECK(read_bytes(entries[0].file) == expected);
    CHECK(entries[0].size == expected.size());
    CHECK(spool->size_bytes() == expected.size());
    CHECK(mode_of(spool_dir) == 0700);
    CHECK(mode_of(entries[0].file) == 0600);

    auto read = spool->read(entries[0]);
    REQUIRE(read);
    CHECK(read->path == record.path);
    CHECK(read->headers.items == record.headers.items);
    CHECK(read->body == record.body);

    REQUIRE(spool->remove(entries[0]));
    CHECK(spool->entries().empty());
    CHECK_FALSE(fs::exists(entries[0].file));
    CHECK(count_with_suffix(spool_dir, ".tmp") == 0);
  }

  SUBCASE("records come back oldest first, and the sequence goes on after a reopen")
  {
    {
      auto spool = Spool::open(spool_dir, k_big_cap);
      REQUIRE(spool);
      for (const char* body : {"a", "b", "c"}) {
        REQUIRE(spool->append(logs_record(body)));
      }
    }
    auto spool = Spool::open(spool_dir, k_big_cap);
    REQUIRE(spool);
    REQUIRE(spool->remove(spool->entries().front()));
    REQUIRE(spool->append(logs_record("d")));
    CHECK(names_of(spool->entries())
          == std::vector<std::string>{"00000000000000000002.otlp",
                                      "00000000000000000003.otlp",
                                      "00000000000000000004.otlp"});
    CHECK(bodies_of(*spool) == std::vector<std::string>{"b", "c", "d"});
  }

  SUBCASE("only OTel exports with plain headers are kept")
  {
    auto spool = Spool::open(spool_dir, k_big_cap);
    REQUIRE(spool);
    SpoolRecord wrong_path = logs_record("x");
    wrong_path.path = "/anthropic/v1/messages";
    const auto refused = spool->append(wrong_path);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message
          == "\"/anthropic/v1/messages\" is not an OTel ingest path; the spool keeps only "
             "exports to /api/2.0/otel/v1/...");

    SpoolRecord injected = logs_record("x");
    injected.headers.add("X-Databricks-UC-Table-Name", "a\r\nAuthorization: Bearer x");
    CHECK_FALSE(spool->append(injected));
    CHECK(spool->entries().empty());
    CHECK(spool->dropped() == 0);
  }
}

TEST_CASE("net::Spool cap")
{
  TempDir dir;
  const fs::path spool_dir = dir / "spool";
  // Every record below has the same size: one digit of body.
  const std::uint64_t record_size =
    std::string(R"({"version":1,"path":"/api/2.0/otel/v1/logs","headers":[["Content-Type",)"
                R"("application/x-protobuf"],["X-Databricks-UC-Table-Name",)"
                R"("main.default.cc_otel_logs"]],"body_bytes":1})"
                "\n1")
      .size();

  SUBCASE("the oldest records are dropped first, and the count persists")
  {
    {
      auto spool = Spool::open(spool_dir, 3 * record_size + record_size / 2);
      REQUIRE(spool);
      for (const char* body : {"1", "2", "3", "4", "5"}) {
        REQUIRE(spool->append(logs_record(body)));
      }
      CHECK(bodies_of(*spool) == std::vector<std::string>{"3", "4", "5"});
      CHECK(spool->dropped() == 2);
      CHECK(read_bytes(spool_dir / "dropped") == "2\n");
      CHECK(spool->size_bytes() == 3 * record_size);
    }

    auto spool = Spool::open(spool_dir, 3 * record_size + record_size / 2);
    REQUIRE(spool);
    CHECK(spool->dropped() == 2);
    REQUIRE(spool->append(logs_record("6")));
    CHECK(bodies_of(*spool) == std::vector<std::string>{"4", "5", "6"});
    CHECK(spool->dropped() == 3);
    CHECK(read_bytes(spool_dir / "dropped") == "3\n");
    CHECK(count_with_suffix(spool_dir, ".tmp") == 0);
  }

  SUBCASE("room that another process freed is not counted as dropped")
  {
    auto spool = Spool::open(spool_dir, 3 * record_size);
    REQUIRE(spool);
    for (const char* body : {"1", "2", "3"}) {
      REQUIRE(spool->append(logs_record(body)));
    }
    // A `relay flush` elsewhere delivered the two oldest.
    fs::remove(spool_dir / "00000000000000000001.otlp");
    fs::remove(spool_dir / "00000000000000000002.otlp");
    REQUIRE(spool->append(logs_record("4")));
    REQUIRE(spool->append(logs_record("5")));
    CHECK(bodies_of(*spool) == std::vector<std::string>{"3", "4", "5"});
    CHECK(spool->dropped() == 0);
    CHECK_FALSE(fs::exists(spool_dir / "dropped"));
  }

  SUBCASE("a record larger than the whole cap is refused and counted")
  {
    auto spool = Spool::open(spool_dir, 100);
    REQUIRE(spool);
    const auto refused = spool->append(logs_record(std::string(200, 'x')));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == aigw::util::ErrorKind::failed);
    CHECK(refused.error().message
          == "an OTel export of " + std::to_string(record_size - 1 + 2 + 200)
               + " bytes is larger than the whole spool (100 bytes); it was dropped");
    CHECK(spool->entries().empty());
    CHECK(spool->dropped() == 1);
    CHECK(read_bytes(spool_dir / "dropped") == "1\n");
  }
}

TEST_CASE("net::Spool::open")
{
  TempDir dir;
  const fs::path spool_dir = dir / "spool";
  fs::create_directories(spool_dir);

  SUBCASE("temporary files left by a dead writer are removed; a live writer's are kept")
  {
    write_bytes(spool_dir / "00000000000000000002.otlp.tmp", "half a rec");
    write_bytes(spool_dir / "dropped.tmp", "4");
    write_bytes(spool_dir / "00000000000000000009.otlp.tmp", "being written");
    const int held = ::open((spool_dir / "00000000000000000009.otlp.tmp").c_str(), O_RDONLY);
    REQUIRE(held >= 0);
    REQUIRE(::flock(held, LOCK_EX) == 0);

    auto spool = Spool::open(spool_dir, k_big_cap);
    REQUIRE(spool);
    CHECK_FALSE(fs::exists(spool_dir / "00000000000000000002.otlp.tmp"));
    CHECK_FALSE(fs::exists(spool_dir / "dropped.tmp"));
    CHECK(fs::exists(spool_dir / "00000000000000000009.otlp.tmp"));
    ::close(held);
    CHECK(spool->entries().empty());
    REQUIRE(spool->append(logs_record("a")));
    CHECK(names_of(spool->entries()) == std::vector<std::string>{"00000000000000000001.otlp"});
  }

  SUBCASE("a file that is not a whole record is skipped and left alone")
  {
    const std::string cut_short =
      R"({"version":1,"path":"/api/2.0/otel/v1/logs","headers":[],"body_bytes":10})"
      "\nabcd";
    write_bytes(spool_dir / "00000000000000000003.otlp", cut_short);
    write_bytes(spool_dir / "00000000000000000005.otlp", "garbage");
    write_bytes(spool_dir / "00000000000000000004.otlp",
                R"({"version":1,"path":"/api/2.0/otel/v1/logs","headers":[],"body_bytes":2})"
                "\nok");
    write_bytes(spool_dir / "notes.txt", "mine");

    auto spool = Spool::open(spool_dir, k_big_cap);
    REQUIRE(spool);
    CHECK(names_of(spool->entries()) == std::vector<std::string>{"00000000000000000004.otlp"});
    CHECK(read_bytes(spool_dir / "00000000000000000003.otlp") == cut_short);
    CHECK(read_bytes(spool_dir / "00000000000000000005.otlp") == "garbage");
    CHECK(fs::exists(spool_dir / "notes.txt"));

    REQUIRE(spool->append(logs_record("new")));
    CHECK(names_of(spool->entries())
          == std::vector<std::string>{"00000000000000000004.otlp", "00000000000000000006.otlp"});
  }

  SUBCASE("a record whose path leads elsewhere is not a record")
  {
    write_bytes(spool_dir / "00000000000000000001.otlp",
                R"({"version":1,"path":"@evil.example/x","headers":[],"body_bytes":0})"
                "\n");
    auto spool = Spool::open(spool_dir, k_big_cap);
    REQUIRE(spool);
    CHECK(spool->entries().empty());
  }
}

TEST_CASE("net::Spool concurrent appends")
{
  TempDir dir;
  auto spool = Spool::open(dir / "spool", k_big_cap);
  REQUIRE(spool);

  constexpr int k_threads = 8;
  constexpr int k_per_thread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < k_per_thread; ++i) {
        const std::string body = "t" + std::to_string(t) + "-" + std::to_string(i) + "-"
                                 + std::string(static_cast<std::size_t>(i * 97 % 3000), 'x');
        if (!spool->append(logs_record(body))) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(failures == 0);

  const auto entries = spool->entries();
  REQUIRE(entries.size() == k_threads * k_per_thread);
  std::set<std::string> bodies;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].sequence == i + 1);
    auto record = spool->read(entries[i]);
    REQUIRE(record);
    bodies.insert(record->body);
  }
  for (int t = 0; t < k_threads; ++t) {
    for (int i = 0; i < k_per_thread; ++i) {
      const std::string body = "t" + std::to_string(t) + "-" + std::to_string(i) + "-"
                               + std::string(static_cast<std::size_t>(i * 97 % 3000), 'x');
      CHECK(bodies.contains(body));
    }
  }
}

TEST_CASE("net::flush_spool")
{
  TempDir dir;
  const fs::path spool_dir = dir / "spool";
  auto spool = Spool::open(spool_dir, k_big_cap);
  REQUIRE(spool);
  SpoolRecord first = logs_record("one");
  first.headers.add("authorization", "Bearer agent-relay-key");
  first.headers.add("Content-Length", "3");
  SpoolRecord second = logs_record("two");
  second.path = "/api/2.0/otel/v1/metrics";
  SpoolRecord third = logs_record("three");
  third.path = "/api/2.0/otel/v1/traces";
  for (const SpoolRecord* record : {&first, &second, &third}) {
    REQUIRE(spool->append(*record));
  }
  FakeHttpClient client;
  const Secret token("dapi-secret");

  SUBCASE("each record goes out oldest first and is removed after a 2xx")
  {
    client.script.push_back(status_reply(200));
    client.script.push_back(status_reply(204));
    const auto outcome = flush_spool(*spool, client, "https://ws.example.com/", token);
    CHECK(outcome.delivered == 3);
    CHECK(outcome.remaining == 0);
    CHECK_FALSE(outcome.failure);
    CHECK(spool->entries().empty());

    REQUIRE(client.requests.size() == 3);
    const HttpRequest& request = client.requests[0];
    CHECK(request.method == "POST");
    CHECK(request.url == "https://ws.example.com/api/2.0/otel/v1/logs");
    CHECK(request.body == "one");
    const std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/x-protobuf"},
      {"X-Databricks-UC-Table-Name", "main.default.cc_otel_logs"},
      {"Authorization", "Bearer dapi-secret"}};
    CHECK(request.headers.items == headers);
    CHECK(client.requests[1].url == "https://ws.example.com/api/2.0/otel/v1/metrics");
    CHECK(client.requests[2].url == "https://ws.example.com/api/2.0/otel/v1/traces");
    CHECK(client.requests[2].body == "three");
  }

  SUBCASE("a 500 stops the run and keeps the rest; the next run goes on")
  {
    client.script.push_back(status_reply(200));
    client.script.push_back(status_reply(500));
    auto outcome = flush_spool(*spool, client, "https://ws.example.com", token);
    CHECK(outcome.delivered == 1);
    CHECK(outcome.remaining == 2);
    REQUIRE(outcome.failure);
    CHECK(*outcome.failure
          == "https://ws.example.com/api/2.0/otel/v1/metrics answered 500 to spooled export "
             "00000000000000000002.otlp; it stays in the spool for the next flush");
    CHECK(bodies_of(*spool) == std::vector<std::string>{"two", "three"});

    outcome = flush_spool(*spool, client, "https://ws.example.com", token);
    CHECK(outcome.delivered == 2);
    CHECK(outcome.remaining == 0);
    CHECK(client.requests.size() == 4);
  }

  SUBCASE("a transport error stops the run")
  {
    client.script.push_back(aigw::util::unexpected(
      HttpError{HttpErrorKind::connect,
                "POST https://ws.example.com/api/2.0/otel/v1/logs: connection refused"}));
    const auto outcome = flush_spool(*spool, client, "https://ws.example.com", token);
    CHECK(outcome.delivered == 0);
    CHECK(outcome.remaining == 3);
    REQUIRE(outcome.failure);
    CHECK(*outcome.failure
          == "cannot deliver spooled export 00000000000000000001.otlp: POST "
             "https://ws.example.com/api/2.0/otel/v1/logs: connection refused; it stays in the "
             "spool for the next flush");
    CHECK(client.requests.size() == 1);
  }

  SUBCASE("a 4xx that time will not cure says the record is kept")
  {
    client.script.push_back(status_reply(
      400, R"({"error_code":"BAD_REQUEST","message":"Missing table name header"})"));
    const auto outcome = flush_spool(*spool, client, "https://ws.example.com", token);
    CHECK(outcome.delivered == 0);
    CHECK(outcome.remaining == 3);
    REQUIRE(outcome.failure);
    CHECK(*outcome.failure
          == "https://ws.example.com/api/2.0/otel/v1/logs answered 400 to spooled export "
             "00000000000000000001.otlp (Missing table name header); the record is kept in "
             + spool_dir.string()
             + ": fix the cause (token, table name) and flush again, or delete the file");
  }

  SUBCASE("429 and 408 wait for the next flush")
  {
    for (int status : {429, 408}) {
      client.script.push_back(status_reply(status));
      const auto outcome = flush_spool(*spool, client, "https://ws.example.com", token);
      REQUIRE(outcome.failure);
      CHECK(outcome.failure->ends_with("; it stays in the spool for the next flush"));
      CHECK(outcome.remaining == 3);
    }
  }

  SUBCASE("one deliverer at a time")
  {
    const int held = ::open((spool_dir / "flush.lock").c_str(), O_RDWR | O_CREAT, 0600);
    REQUIRE(held >= 0);
    REQUIRE(::flock(held, LOCK_EX) == 0);
    const auto outcome = flush_spool(*spool, client, "https://ws.example.com", token);
    ::close(held);
    CHECK(outcome.delivered == 0);
    CHECK(outcome.remaining == 3);
    REQUIRE(outcome.failure);
    CHECK(*outcome.failure == "another process is delivering the spool in " + spool_dir.string());
    CHECK(client.requests.empty());
  }
}

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

  Reply stream(const HttpRequest& request,
               const aigw::net::HeadCallback&,
               const aigw::net::ChunkCallback&) override
  {
    return send(request);
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
