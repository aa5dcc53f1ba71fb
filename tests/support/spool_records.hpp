// SPDX-License-Identifier: MIT
// Shared by the spool tests: an OTel logs record as the relay spools it, what a spool holds,
// a count of files by suffix (to see that no record or temporary file was left behind), and
// what the fake HTTP clients answer.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "net/spool.hpp"

namespace aigw::test::spool_records {

// What an HttpClient answers.
using Reply = util::Expected<net::HttpResponse, net::HttpError>;

inline constexpr std::uint64_t k_big_cap = 64ULL << 20;

inline net::SpoolRecord
logs_record(const std::string& body)
{
  net::SpoolRecord record;
  record.path = "/api/2.0/otel/v1/logs";
  record.headers.add("Content-Type", "application/x-protobuf");
  record.headers.add("X-Databricks-UC-Table-Name", "main.default.cc_otel_logs");
  record.body = body;
  return record;
}

inline std::vector<std::string>
bodies_of(const net::Spool& spool)
{
  std::vector<std::string> bodies;
  for (const net::SpoolEntry& entry : spool.entries()) {
    auto record = spool.read(entry);
    REQUIRE(record);
    bodies.push_back(record->body);
  }
  return bodies;
}

inline std::size_t
count_with_suffix(const std::filesystem::path& dir, const std::string& suffix)
{
  std::size_t n = 0;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    n += item.path().filename().string().ends_with(suffix) ? 1U : 0U;
  }
  return n;
}

} // namespace aigw::test::spool_records
