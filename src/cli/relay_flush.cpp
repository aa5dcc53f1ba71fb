// SPDX-License-Identifier: MIT
// `relay flush`: deliver the spool to the workspace, removing each record only after a 2xx
// (net/spool_flush.cpp), or with --dry-run count what would go and what would be passed over.
#include "cli/relay_flush.hpp"

#include <nlohmann/json.hpp>

#include "core/gateway.hpp"
#include "net/http.hpp"
#include "net/otlp_export.hpp"
#include "net/relay_config.hpp"
#include "net/spool.hpp"
#include "util/log.hpp"

namespace aigw::cli {

namespace {

// What a flush would send, and what it would pass over, with nothing sent or removed.
net::FlushOutcome
preview_flush(net::Spool& spool)
{
  net::FlushOutcome outcome;
  const auto entries = spool.entries();
  for (const net::SpoolEntry& entry : entries) {
    const auto record = spool.read(entry);
    if (record && !net::has_table(*record)) {
      outcome.undeliverable.push_back(entry.file.filename().string());
    } else if (record) {
      ++outcome.delivered;
    }
  }
  outcome.remaining = static_cast<int>(entries.size());
  return outcome;
}

net::FlushOutcome
deliver_spool(net::Spool& spool, const std::string& workspace, Context& context)
{
  if (spool.entries().empty()) {
    return {};
  }
  net::StoredCredentialSource credentials(context.paths.credentials_file(), context.env);
  const auto bearer = util::value_or_throw(credentials.bearer());
  const auto client = net::make_curl_client();
  return net::flush_spool(spool, *client, workspace, bearer,
                          [&credentials](const util::Secret& refused) {
                            return net::fresh_token(credentials, refused);
                          });
}

nlohmann::ordered_json
flush_document(const net::FlushOutcome& outcome, const std::filesystem::path& dir, bool dry_run)
{
  nlohmann::ordered_json document{{"command", "relay flush"},
                                  {"dry_run", dry_run},
                                  {"spool", dir.string()},
                                  {"delivered", dry_run ? 0 : outcome.delivered}};
  if (dry_run) {
    document["would_deliver"] = outcome.delivered;
  }
  document["remaining"] = outcome.remaining;
  document["undeliverable"] = outcome.undeliverable;
  document["failure"] = outcome.failure ? nlohmann::ordered_json(*outcome.failure) : nullptr;
  return document;
}

void
report_flush(const net::FlushOutcome& outcome, const std::filesystem::path& dir,
             const std::string& workspace, Context& context)
{
  const bool dry_run = context.global.dry_run;
  for (const std::string& name : outcome.undeliverable) {
    AIGW_WARN("spooled export " << name << " names no Unity Catalog table, so the workspace "
                                << "would refuse it: " << (dry_run ? "a flush would not send it"
                                                                   : "it was not sent")
                                << "; delete it from " << dir.string());
  }

  const std::string count = std::to_string(outcome.delivered);
  context.out.line(dry_run ? "would deliver " + count + " OTel exports from " + dir.string()
                               + " to " + net::redact_url(workspace) + "; nothing sent (--dry-run)"
                           : "delivered " + count + " OTel exports from " + dir.string() + "; "
                               + std::to_string(outcome.remaining) + " left");
  context.out.document(flush_document(outcome, dir, dry_run));
}

// Whether the spool in `dir` holds no export. A spool that was never made holds none, and
// is not made here: a dry run creates nothing.
bool
spool_is_empty(const std::filesystem::path& dir, std::uint64_t cap)
{
  std::error_code error;
  if (!std::filesystem::exists(dir, error) && !error) {
    return true;
  }
  return util::value_or_throw(net::Spool::open(dir, cap)).entries().empty();
}

} // namespace

// An empty spool is said before a workspace is asked for.
ExitCode
run_relay_flush(const std::filesystem::path& dir, std::uint64_t cap,
                const WorkspaceLookup& workspace_of, Context& context)
{
  if (spool_is_empty(dir, cap)) {
    context.out.line("nothing to send: no OTel export is spooled in " + dir.string());
    context.out.document(flush_document({}, dir, context.global.dry_run));
    return ExitCode::ok;
  }
  const std::optional<std::string> configured = workspace_of();
  if (!configured) {
    throw util::Fatal(util::ErrorKind::usage,
                      "relay flush delivers to the workspace: give --workspace URL (or write "
                      "it to " + net::relay_file_path(context.paths).string() + ")");
  }
  const auto workspace = util::value_or_throw(core::normalize_base_url(*configured, "--workspace"));
  auto spool = util::value_or_throw(net::Spool::open(dir, cap));

  const net::FlushOutcome outcome =
    context.global.dry_run ? preview_flush(spool) : deliver_spool(spool, workspace, context);
  report_flush(outcome, dir, workspace, context);
  if (outcome.failure) {
    throw util::Fatal(util::ErrorKind::remote, *outcome.failure);
  }
  return ExitCode::ok;
}

} // namespace aigw::cli
