// SPDX-License-Identifier: MIT
// The telemetry spool as a store: exact record bytes, order, the cap, leftovers of a crashed
// writer, and appends from many threads at once.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/spool.hpp"
#include "support/spool_records.hpp"
#include "support/test_context.hpp"

namespace fs = std::filesystem;
using aigw::net::Spool;
using aigw::net::SpoolEntry;
using aigw::net::SpoolRecord;
using aigw::test::read_bytes;
using aigw::test::TempDir;
using aigw::test::write_bytes;
using aigw::test::spool_records::bodies_of;
using aigw::test::spool_records::count_with_suffix;
using aigw::test::spool_records::k_big_cap;
using aigw::test::spool_records::logs_record;

namespace {

std::vector<std::string>
names_of(const std::vector<SpoolEntry>& entries)
{
  std::vector<std::string> names;
  for (const SpoolEntry& entry : entries) {
    names.push_back(entry.file.filename().string());
  }
  return names;
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
