// SPDX-License-Identifier: MIT
// The remedy half of verdict.hpp: for each verdict, one line that names what to change and
// where. The CA variables are the ones each client reads:
//   - aigw-setup's libcurl (OpenSSL build) uses the CA bundle fixed at build time; libcurl
//     reads neither SSL_CERT_FILE nor CURL_CA_BUNDLE, which only the curl tool honours
//     (curl docs, cmdline-opts/cacert.md; curl-config --ca), so the CA goes into the system
//     store;
//   - Claude Code and Gemini CLI (Node/Bun) read NODE_EXTRA_CA_CERTS (Claude Code's
//     network-config page);
//   - Codex reads CODEX_CA_CERTIFICATE, else SSL_CERT_FILE (openai/codex
//     codex-rs/codex-client/src/custom_ca.rs, configured_ca_bundle()).
// Cursor calls the gateway from Cursor's servers, so only a publicly trusted certificate
// works there.
#include "core/verdict.hpp"

#include <ctime>

#include "core/gateway.hpp"
#include "net/wire.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

std::string
quoted(const std::string& text)
{
  return "\"" + text + "\"";
}

std::string
utc_time(SystemTime time)
{
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

bool
through_relay(const RemedyContext& context)
{
  return context.token_source == k_relay_key_source;
}

// The configure run for `agent` that keeps this setup: the same home, and relay mode when
// the route is the relay's (without --auth relay it would take the agent off the relay).
std::string
configure_line(const RemedyContext& context, const std::string& agent, const std::string& args)
{
  const std::string line = context.aigw + " configure " + agent
                           + (through_relay(context) ? " --auth relay" : "");
  return args.empty() ? line : line + " " + args;
}

std::string
model_option(RouteKind kind)
{
  return "--" + to_string(kind) + "-model NAME";
}

std::string
token_remedy(const Diagnosis& diagnosis, const RemedyContext& context)
{
  const std::string agent = agent_of(context.kind);
  const bool relay = through_relay(context);
  if (diagnosis.verdict == Verdict::token_missing && !context.token_problem.empty()) {
    return context.token_problem;
  }
  if (diagnosis.verdict == Verdict::token_missing) {
    return relay ? "no relay key: run " + configure_line(context, agent, "") + " to create one"
                 : "no token: pipe one to --token-stdin, name a file with --token-file, or export "
                   "DATABRICKS_TOKEN (aigw-setup configure keeps it for later runs)";
  }
  if (diagnosis.verdict == Verdict::token_expired && context.token_expiry) {
    return context.token_source + " expired at " + utc_time(*context.token_expiry)
           + ": get a new one (databricks auth login --host https://" + context.host
           + ") and run the test again";
  }
  if (relay) {
    return "the relay refused the relay key, or the gateway the token the relay holds: run "
           + configure_line(context, agent, "--token-stdin") + " with a new token";
  }
  return context.token_source + " was refused as invalid or expired (or made for another "
         "workspace): create a new token for " + context.host
         + " and run " + configure_line(context, agent, "--token-stdin") + " with it";
}

std::string
forbidden_remedy(const RemedyContext& context)
{
  if (agent_of(context.kind) == "otel") {
    return "you may not write to " + context.model + ": ask for MODIFY and SELECT on it, and USE "
           "CATALOG and USE SCHEMA on its catalog and schema";
  }
  return "you may not query " + context.model + " through the gateway: ask a workspace admin for "
         "CAN QUERY on that endpoint, or for AI Gateway access for coding agents";
}

std::string
wrong_url_remedy(const RemedyContext& context)
{
  const std::string agent = agent_of(context.kind);
  if (context.answering) {
    const Alternative& place = *context.answering;
    return "the " + place.layout + " layout answers at " + place.base_url
           + ": run " + configure_line(context, agent, place.option);
  }
  if (agent == "otel") {
    return context.host + " has no OTel endpoint: give the workspace URL with --workspace";
  }
  return context.host + " serves no " + agent + " route at this path: check the URL (gateway "
         "host: --gateway https://<workspace-id>.ai-gateway.cloud.databricks.com; "
         "workspace-hosted: --workspace https://<workspace>)";
}

std::string
model_remedy(const RemedyContext& context)
{
  if (!context.served_models.empty()) {
    return "the gateway serves: " + util::join(context.served_models, ", ") + "; pick one with "
           + configure_line(context, agent_of(context.kind), model_option(context.kind));
  }
  return quoted(context.model) + " is not served here: look up the endpoint name under Serving "
         "in the workspace and pick it with " + model_option(context.kind);
}

std::string
rate_limit_remedy(const Diagnosis& diagnosis)
{
  const std::string limit = diagnosis.detail.empty() ? "" : " (" + quoted(diagnosis.detail) + ")";
  const std::string wait = diagnosis.retry_after
                             ? "wait " + std::to_string(diagnosis.retry_after->count()) + " s"
                             : "wait a minute";
  return "the gateway's rate limit was reached" + limit + ": " + wait + " and retry, or ask a "
         "workspace admin to raise the limit in the endpoint's AI Gateway settings";
}

std::string
tls_remedy(const RemedyContext& context)
{
  std::string text = context.host + "'s certificate is not trusted here; if a proxy re-signs TLS "
                     "(corporate CA), trust its CA: aigw-setup via the system store (libcurl "
                     "reads neither SSL_CERT_FILE nor CURL_CA_BUNDLE), Claude Code and Gemini CLI "
                     "via NODE_EXTRA_CA_CERTS=<ca.pem>, Codex via CODEX_CA_CERTIFICATE=<ca.pem> "
                     "(or SSL_CERT_FILE)";
  if (context.kind == RouteKind::cursor) {
    text += "; Cursor calls from its own servers, so its gateway needs a public certificate";
  }
  return text;
}

// Through the relay, the odd reply is the gateway's, passed on: name where the relay got it.
std::string
bad_reply_remedy(const RemedyContext& context)
{
  if (!context.relay) {
    return context.host + " answered, but not as the AI Gateway does: check that the URL points "
           "at the gateway, not at a proxy or a login page";
  }
  return "the relay at " + context.host + " passed on this reply from "
         + context.relay->upstream + ", the gateway named in "
         + context.relay->relay_file.string()
         + ": check that it points at the AI Gateway, not at a proxy or a login page";
}

// The relay answered for an upstream it could not reach. Its own words name the URL and
// why; the fix is where the relay takes that URL from, and the way from here to it.
std::string
unreachable_remedy(const Diagnosis& diagnosis, const RemedyContext& context)
{
  const bool otel = agent_of(context.kind) == "otel";
  const std::string upstream = otel ? "workspace" : "gateway";
  const std::string file = context.relay ? context.relay->relay_file.string() : "relay.json";
  return "the relay at " + context.host + " could not reach the " + upstream + " ("
         + quoted(diagnosis.detail) + "): check the " + upstream + " URL in " + file
         + ", or the --" + upstream + " the relay was started with, and the network from here "
         "to it; restart the relay after a change";
}

// The relay has no token to put in place of the relay key: none is stored, or an OAuth
// login lapsed. Its own words say which; the fix is the credential it reads on each request.
std::string
relay_credential_remedy(const Diagnosis& diagnosis, const RemedyContext& context)
{
  const std::string agent = agent_of(context.kind);
  const std::string_view prefix = net::k_relay_no_credential;
  const std::string why =
    diagnosis.detail.substr(diagnosis.detail.starts_with(prefix) ? prefix.size() : 0);
  return "the relay at " + context.host + " holds no credential for the gateway (" + quoted(why)
         + "): store a token with "
         + configure_line(context, agent == "otel" ? "AGENT" : agent, "--token-stdin")
         + ", or sign in again if it uses OAuth; the relay reads it on its next request";
}

// Only a route configure pointed at the relay is served by `aigw-setup relay`: any other
// loopback URL is something else the user runs, and no relay is set up to start.
std::string
refused_remedy(const RemedyContext& context)
{
  std::string text = "nothing listens at " + context.host + ": check the URL and the port";
  if (through_relay(context)) {
    text += "; for the local relay, start " + context.aigw + " relay";
  }
  return text;
}

std::string
network_remedy(const Diagnosis& diagnosis, const RemedyContext& context)
{
  switch (diagnosis.verdict) {
  case Verdict::tls:
    return tls_remedy(context);
  case Verdict::proxy:
    return "the proxy " + context.proxy.value_or("in HTTPS_PROXY") + " failed: check HTTPS_PROXY "
           "and HTTP_PROXY, or add " + url_host("http://" + context.host) + " to NO_PROXY if it is "
           "reachable directly; Claude Code, Codex and Gemini CLI read the same variables";
  case Verdict::dns:
    return url_host("http://" + context.host) + " does not resolve: check the URL's spelling, and "
           "connect the VPN or DNS the workspace needs";
  case Verdict::refused:
    return refused_remedy(context);
  case Verdict::timeout:
    return "no answer from " + context.host + " within " + std::to_string(context.timeout.count())
           + " s: check the VPN or firewall, or allow more time with --timeout SECONDS";
  case Verdict::dropped:
    return "the connection to " + context.host + " dropped before the reply was complete: retry; "
           "if it keeps happening, a proxy or firewall may be cutting it";
  default:
    break;
  }
  // An unusual failure: libcurl's own words are the best lead there is.
  const std::string words = diagnosis.detail.empty() ? "" : " (" + diagnosis.detail + ")";
  return "the request could not be made" + words + ": run with -vv for the details";
}

} // namespace

std::string
remedy_for(const Diagnosis& diagnosis, const RemedyContext& context)
{
  switch (diagnosis.verdict) {
  case Verdict::pass:
    return "";
  case Verdict::token_missing:
  case Verdict::token_invalid:
  case Verdict::token_expired:
    return token_remedy(diagnosis, context);
  case Verdict::forbidden:
    return forbidden_remedy(context);
  case Verdict::wrong_url:
    return wrong_url_remedy(context);
  case Verdict::unknown_model:
    return model_remedy(context);
  case Verdict::unknown_table:
    return context.model + " does not exist: create it with " + context.aigw
           + " telemetry create-tables, or name the right one with --metrics-table / --logs-table";
  case Verdict::rate_limited:
    return rate_limit_remedy(diagnosis);
  case Verdict::bad_request:
    return "the gateway refused the request as " + agent_of(context.kind) + " sends it: check that "
           + quoted(context.model) + " is a model that serves " + agent_of(context.kind);
  case Verdict::server_error:
    return "the gateway or the endpoint behind it failed: retry in a minute; if it persists, check "
           "the endpoint's state under Serving in the workspace";
  case Verdict::gateway_unreachable:
    return unreachable_remedy(diagnosis, context);
  case Verdict::relay_no_credential:
    return relay_credential_remedy(diagnosis, context);
  case Verdict::bad_reply:
    return bad_reply_remedy(context);
  default:
    break;
  }
  return network_remedy(diagnosis, context);
}

} // namespace aigw::core
