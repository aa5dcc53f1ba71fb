// SPDX-License-Identifier: MIT
// Delivering the telemetry spool to the workspace: each record is POSTed, oldest first, to
// the OTel path it was sent to, with the headers it came with and the real bearer token,
// and removed once the workspace answered 2xx. The first failure stops the run, so records
// keep their order and nothing is removed that the workspace did not take. A token the
// workspace refuses is replaced by a fresh one once per run. One deliverer at a time holds
// <spool>/flush.lock; a running relay keeps appending meanwhile.
#include "net/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "net/databricks_client.hpp"
#include "net/otlp_export.hpp"
#include "util/log.hpp"

namespace aigw::net {

namespace {

constexpr const char* k_flush_lock_file = "flush.lock";
constexpr std::size_t k_max_reason_chars = 200;

// The exclusive right to deliver this spool, for as long as the object lives.
class FlushLock
{
public:
  explicit FlushLock(const std::filesystem::path& file)
    : m_fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600))
  {
    if (m_fd >= 0 && ::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  FlushLock(const FlushLock&) = delete;
  FlushLock& operator=(const FlushLock&) = delete;
  ~FlushLock()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }

  bool held() const { return m_fd >= 0; }

private:
  int m_fd;
};

// The "message" of a Databricks error body, cut short and scrubbed of secrets.
std::string
reason_of(const std::string& body)
{
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return {};
  }
  const auto message = parsed.find("message");
  if (message == parsed.end() || !message->is_string()) {
    return {};
  }
  return util::redact(message->get<std::string>().substr(0, k_max_reason_chars));
}

HttpRequest
delivery_request(const std::string& base, const SpoolRecord& record, const util::Secret& token)
{
  HttpRequest request;
  request.method = "POST";
  request.url = base + record.path;
  request.headers = record.headers;
  // The client frames the body itself, and only our credential may go out.
  for (const char* name : {"Authorization", "Host", "Content-Length", "Transfer-Encoding"}) {
    request.headers.remove(name);
  }
  request.headers.set("Authorization", "Bearer " + token.reveal());
  request.body = record.body;
  return request;
}

// The token a run delivers with, and whether it was already replaced once.
struct RunToken
{
  util::Secret token;
  const TokenRenewal& renew;
  bool renewed = false;
};

struct Answer
{
  util::Expected<HttpResponse, HttpError> response;
  bool fresh = false; // the answer is to a token fetched after a refusal
};

// Send `request`; a refused token is replaced once per run and the request sent again.
Answer
send_record(HttpClient& client, HttpRequest request, RunToken& run)
{
  Answer answer{client.send(request)};
  const auto& response = answer.response;
  if (!response || !refuses_token(response->status, response->body) || run.renewed
      || !run.renew) {
    return answer;
  }
  run.renewed = true;
  const auto fresh = run.renew(run.token);
  if (!fresh) {
    return answer;
  }
  run.token = *fresh;
  request.headers.set("Authorization", "Bearer " + fresh->reveal());
  return {client.send(request), true};
}

// Send one record; the reason to stop when the workspace did not take it.
std::optional<std::string>
deliver(HttpClient& client, const HttpRequest& request, const SpoolEntry& entry,
        const std::filesystem::path& dir, RunToken& run)
{
  const std::string name = entry.file.filename().string();
  const Answer answer = send_record(client, request, run);
  const auto& response = answer.response;
  if (!response) {
    return "cannot deliver spooled export " + name + ": " + response.error().message
           + "; it stays in the spool for the next flush";
  }

  const int status = response->status;
  if (status >= 200 && status < 300) {
    return std::nullopt;
  }
  std::string failure = redact_url(request.url) + " answered " + std::to_string(status)
                        + " to spooled export " + name;
  if (const std::string reason = reason_of(response->body); !reason.empty()) {
    failure += " (" + reason + ")";
  }
  if (answer.fresh) {
    failure += ", also with a token fetched just now";
  }
  // 408 and 429 pass with time; another 4xx comes back the same until someone acts.
  const bool permanent = status >= 400 && status < 500 && status != 408 && status != 429;
  if (permanent) {
    return failure + "; the record is kept in " + dir.string()
           + ": fix the cause (token, table name) and flush again, or delete the file";
  }
  return failure + "; it stays in the spool for the next flush";
}

} // namespace

FlushOutcome
flush_spool(Spool& spool, HttpClient& client, const std::string& workspace,
            const util::Secret& bearer_token, const TokenRenewal& renew)
{
  FlushOutcome outcome;
  const FlushLock lock(spool.dir() / k_flush_lock_file);
  if (!lock.held()) {
    outcome.remaining = static_cast<int>(spool.entries().size());
    outcome.failure = "another process is delivering the spool in " + spool.dir().string();
    return outcome;
  }

  RunToken run{bearer_token, renew};
  std::string base = workspace;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }

  for (const SpoolEntry& entry : spool.entries()) {
    auto record = spool.read(entry);
    if (!record) {
      // The relay's cap may have dropped it meanwhile; a damaged file is left for a person.
      std::error_code error;
      if (std::filesystem::exists(entry.file, error)) {
        AIGW_WARN("skipping " << record.error().message << "; the file is left as it is");
      }
      continue;
    }

    if (!has_table(*record)) {
      // Stopping at it would hold up every record behind it for good.
      outcome.undeliverable.push_back(entry.file.filename().string());
      continue;
    }
    const HttpRequest request = delivery_request(base, *record, run.token);
    if (auto failure = deliver(client, request, entry, spool.dir(), run)) {
      outcome.failure = std::move(failure);
      break;
    }
    ++outcome.delivered;
    if (auto removed = spool.remove(entry); !removed) {
      // The next flush will send it again; going on would also put it after newer ones.
      outcome.failure = "delivered, but could not remove it: " + removed.error().message;
      break;
    }
  }

  outcome.remaining = static_cast<int>(spool.entries().size());
  return outcome;
}

} // namespace aigw::net
