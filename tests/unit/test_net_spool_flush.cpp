// SPDX-License-Identifier: MIT
// Delivering the telemetry spool through a fake HttpClient: what is sent for each record,
// what stays after each kind of failure, records that name no table, and one deliverer at a
// time.
#include <doctest/doctest.h>

#include <deque>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

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
using aigw::net::SpoolRecord;
using aigw::test::TempDir;
using aigw::test::spool_records::bodies_of;
using aigw::test::spool_records::k_big_cap;
using aigw::test::spool_records::logs_record;
using aigw::test::spool_records::Reply;
using aigw::util::Secret;

namespace {

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

  std::unique_ptr<aigw::net::HttpTransfer> open(HttpRequest request) override
  {
    return aigw::net::finished_transfer(send(request));
  }
};

Reply
status_reply(int status, std::string body = "")
{
  return HttpResponse{status, {}, std::move(body)};
}

} // namespace

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

  SUBCASE("a record with no table is passed over, not sent, and the rest go on")
  {
    TempDir other;
    auto old_spool = Spool::open(other / "spool", k_big_cap);
    REQUIRE(old_spool);
    SpoolRecord untabled = logs_record("no-table");
    untabled.headers = {};
    untabled.headers.add("Content-Type", "application/x-protobuf");
    REQUIRE(old_spool->append(untabled));
    REQUIRE(old_spool->append(logs_record("tabled")));

    const auto outcome = flush_spool(*old_spool, client, "https://ws.example.com", token);
    CHECK(outcome.delivered == 1);
    CHECK(outcome.remaining == 1);
    CHECK_FALSE(outcome.failure);
    CHECK(outcome.undeliverable == std::vector<std::string>{"00000000000000000001.otlp"});
    REQUIRE(client.requests.size() == 1);
    CHECK(client.requests[0].body == "tabled");
    CHECK(bodies_of(*old_spool) == std::vector<std::string>{"no-table"});
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
