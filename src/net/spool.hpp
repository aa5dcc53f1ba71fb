// SPDX-License-Identifier: MIT
// The relay's telemetry spool: OTel exports kept on disk until the workspace takes them.
// Each export is one file, made durable (written to a temporary name, fsynced, renamed,
// folder fsynced) before append() returns, so the relay answers the agent only once the
// export cannot be lost. The spool is bounded: when a new record would pass the cap, the
// oldest records are dropped first and counted. Records are delivered oldest first and
// removed only after the workspace answered 2xx.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/http.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"

namespace aigw::net {

struct SpoolRecord
{
  std::string path;  // the OTel path it was sent to: /api/2.0/otel/v1/logs
  Headers headers;   // the ones that say where it goes: Content-Type, X-Databricks-UC-Table-Name
  std::string body;  // the OTLP payload, as received
};

struct SpoolEntry
{
  std::filesystem::path file;
  std::uint64_t sequence = 0;
  std::uint64_t size = 0;
};

class Spool
{
public:
  // Open (creating, mode 0700) the spool in `dir`, holding at most `cap_bytes`. Leftover
  // temporary files from a crash are removed; whole records are kept.
  static util::Result<Spool> open(std::filesystem::path dir, std::uint64_t cap_bytes);

  // Keep `record` durably; drop the oldest records first if the cap would be passed.
  // A record larger than the cap is refused (and counted as dropped).
  util::Result<void> append(const SpoolRecord& record);

  // The records on disk, oldest first.
  std::vector<SpoolEntry> entries() const;

  util::Result<SpoolRecord> read(const SpoolEntry& entry) const;

  // Remove a delivered record.
  util::Result<void> remove(const SpoolEntry& entry);

  // How many records were dropped because of the cap, since the spool was created.
  std::uint64_t dropped() const;
  std::uint64_t size_bytes() const;

  // The folder the spool lives in.
  const std::filesystem::path& dir() const { return m_dir; }

private:
  Spool(std::filesystem::path dir, std::uint64_t cap_bytes);

  util::Result<void> scan_existing();
  util::Result<void> make_room(std::uint64_t needed);
  util::Result<void> count_dropped(std::uint64_t count);

  std::filesystem::path m_dir;
  std::uint64_t m_cap_bytes = 0;
  // Guards everything below; a pointer so that a Spool can be moved.
  std::unique_ptr<std::mutex> m_mutex = std::make_unique<std::mutex>();
  std::uint64_t m_next_sequence = 1;
  std::uint64_t m_dropped = 0;
  // The size of each record this process knows of, by sequence. Another process may have
  // removed some since; they are forgotten when their turn to be dropped comes.
  std::map<std::uint64_t, std::uint64_t> m_sizes;
  // Names of files that look like records but are not whole ones: kept, never listed.
  std::set<std::string> m_ignored;
};

// A fresh token in place of `refused`, which the workspace did not take; nullopt when none
// can be had (a PAT stays what it is).
using TokenRenewal = std::function<std::optional<util::Secret>(const util::Secret& refused)>;

// Deliver every record oldest first to `workspace` (+ record.path) with `bearer_token`,
// removing each after a 2xx. A refused token (401, or 400 "Invalid Token") is replaced
// once per run through `renew`, when given, and the record sent again. Stops at the first
// failure and says which; returns how many were delivered.
struct FlushOutcome
{
  int delivered = 0;
  int remaining = 0;
  std::optional<std::string> failure; // why it stopped early
  // Records that name no Unity Catalog table (an earlier relay kept such exports): the workspace
  // would refuse them, so they are passed over and left for a person to delete.
  std::vector<std::string> undeliverable;
};
FlushOutcome flush_spool(Spool& spool, HttpClient& client, const std::string& workspace,
                         const util::Secret& bearer_token, const TokenRenewal& renew = {});

} // namespace aigw::net
