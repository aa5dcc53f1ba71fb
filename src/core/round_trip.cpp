// SPDX-License-Identifier: MIT
// Running the round trips. Every route gets its own thread, so `test` on all routes takes
// about as long as the slowest one; each request carries the route's own timeout, so one
// route that never answers holds up nothing but its own result. The follow-up requests (the
// other URL layouts after a bare 404, the model listing after an unknown model) run in the
// route's thread, the layouts side by side for the same reason.
#include "core/round_trip.hpp"

#include <future>

#include <nlohmann/json.hpp>

#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using Clock = std::chrono::steady_clock;

struct Exchange
{
  Observation observation;
  std::string url; // shown_url of the request
  long latency_ms = 0;
};

SystemTime
now_of(const RoundTripEnv& env)
{
  return env.now ? env.now() : std::chrono::system_clock::now();
}

// "host[:port]" of `url` ("https://host:port/path" splits into "https:", "", "host:port").
std::string
authority_of(const std::string& url)
{
  const auto parts = util::split(url, '/');
  return parts.size() > 2 ? parts[2] : url;
}

Exchange
exchange(const RouteTarget& target, const std::string& base_url, net::HttpClient& http,
         const RoundTripEnv& env)
{
  Exchange result;
  Observation& observation = result.observation;
  observation.kind = target.kind;
  observation.model = target.model;
  observation.token_expiry = target.credential.expiry;
  observation.now = now_of(env);
  observation.via_relay = target.credential.source == k_relay_key_source;

  const net::HttpRequest request = agent_request(target, base_url, observation.now);
  result.url = shown_url(request);
  observation.via_proxy = env.env && proxy_for(request.url, env.env).has_value();

  const auto start = Clock::now();
  auto response = http.send(request);
  result.latency_ms = static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
  if (!response) {
    observation.error = response.error();
  } else {
    observation.status = response->status;
    observation.headers = std::move(response->headers);
    observation.body = std::move(response->body);
  }
  return result;
}

// Whether a verdict shows that something serves the route there (even if it refused us).
bool
route_exists(Verdict verdict)
{
  switch (verdict) {
  case Verdict::pass:
  case Verdict::token_invalid:
  case Verdict::token_expired:
  case Verdict::forbidden:
  case Verdict::unknown_model:
  case Verdict::unknown_table:
  case Verdict::rate_limited:
  case Verdict::bad_request:
  case Verdict::server_error:
    return true;
  default:
    return false;
  }
}

// The first of the target's alternatives where the route exists; all are tried at once.
std::optional<Alternative>
answering_alternative(const RouteTarget& target, net::HttpClient& http, const RoundTripEnv& env)
{
  std::vector<std::future<bool>> probes;
  for (const auto& alternative : target.alternatives) {
    probes.push_back(std::async(std::launch::async, [&target, &alternative, &http, &env] {
      const Exchange probe = exchange(target, alternative.base_url, http, env);
      const Verdict verdict = diagnose(probe.observation).verdict;
      AIGW_DEBUG(probe.url << " (the " << alternative.layout << " layout): " << to_string(verdict));
      return route_exists(verdict);
    }));
  }
  std::optional<Alternative> found;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    if (probes[i].get() && !found) {
      found = target.alternatives[i];
    }
  }
  return found;
}

RemedyContext
remedy_context(const RouteTarget& target, const RoundTripEnv& env)
{
  RemedyContext context;
  context.aigw = env.aigw;
  context.kind = target.kind;
  context.host = authority_of(target.base_url);
  context.model = target.model;
  context.token_source = target.credential.source;
  context.timeout = target.timeout;
  context.token_expiry = target.credential.expiry;
  context.token_problem = target.credential.problem;
  context.relay = target.relay;
  return context;
}

} // namespace

RoundTripResult
run_round_trip(const RouteTarget& target, net::HttpClient& http, const RoundTripEnv& env)
{
  RoundTripResult result;
  result.kind = target.kind;
  RemedyContext context = remedy_context(target, env);

  Diagnosis diagnosis;
  if (!target.credential.token) {
    // Nothing is sent without a token: the answer could only be a 401.
    result.url = shown_url(agent_request(target, target.base_url, now_of(env)));
    const bool relay = target.credential.source == k_relay_key_source;
    diagnosis = {Verdict::token_missing, relay ? "no relay key to send" : "no token to send", "",
                 {}};
  } else {
    Exchange sent = exchange(target, target.base_url, http, env);
    result.url = sent.url;
    result.latency_ms = sent.latency_ms;
    result.status = sent.observation.status;
    if (sent.observation.error) {
      result.error = sent.observation.error->kind;
    }
    result.date_header = sent.observation.headers.get("Date");
    result.received_at = sent.observation.now + std::chrono::milliseconds(sent.latency_ms);
    diagnosis = diagnose(sent.observation);
    if (env.env) {
      context.proxy = proxy_for(target.base_url, env.env);
    }
  }

  if (diagnosis.verdict == Verdict::wrong_url) {
    context.answering = answering_alternative(target, http, env);
  } else if (diagnosis.verdict == Verdict::unknown_model) {
    try {
      result.models = served_models(target, http);
    } catch (const nlohmann::json::exception& error) {
      AIGW_DEBUG("the model listing could not be read: " << error.what());
    }
    context.served_models = result.models;
  }
  result.verdict = diagnosis.verdict;
  result.cause = diagnosis.cause;
  result.remedy = remedy_for(diagnosis, context);
  return result;
}

std::vector<RoundTripResult>
run_round_trips(const std::vector<RouteTarget>& targets, net::HttpClient& http,
                const RoundTripEnv& env)
{
  std::vector<std::future<RoundTripResult>> running;
  running.reserve(targets.size());
  for (const auto& target : targets) {
    running.push_back(std::async(std::launch::async, [&target, &http, &env] {
      return run_round_trip(target, http, env);
    }));
  }
  std::vector<RoundTripResult> results;
  results.reserve(targets.size());
  for (auto& future : running) {
    results.push_back(future.get());
  }
  return results;
}

} // namespace aigw::core
