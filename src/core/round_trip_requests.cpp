// SPDX-License-Identifier: MIT
// The request each agent sends, cut down to one short turn (wire.md records the real ones):
//   claude  POST <route>/v1/messages?beta=true, Bearer token, anthropic-version and the
//           coding-agent header, a streamed Messages API body (max_tokens is required);
//   codex   POST <route>/responses, a streamed Responses API body (Codex sends no token cap);
//   gemini  POST <route>/v1beta/models/<model>:streamGenerateContent?alt=sse with both the
//           Bearer header and x-goog-api-key, as Gemini CLI in bearer mode sends;
//   cursor  POST <route>/chat/completions, a streamed chat completions body;
//   otel    POST <workspace>/api/2.0/otel/v1/{metrics,logs}, application/x-protobuf with
//           X-Databricks-UC-Table-Name, one data point or log record named aigw_setup.test.
// The OTLP bodies are encoded here by hand: two small fixed messages, written before the
// relay's generated OTLP classes (src/net/otlp/) came; the fake workspace decodes them with
// those classes, which checks this encoding. Field numbers are those of opentelemetry-proto v1.
#include "core/round_trip.hpp"

#include <algorithm>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "aigw/version.hpp"
#include "core/agents.hpp"
#include "core/gateway.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* k_prompt = "Reply with the single word: ok";
constexpr const char* k_test_name = "aigw_setup.test";
constexpr std::chrono::seconds k_max_connect{10};

// ------------------------------------------------------------------ protobuf writing

enum class Wire : std::uint8_t { varint = 0, fixed64 = 1, length = 2 };

class Proto
{
public:
  Proto& varint(int field, std::uint64_t value)
  {
    tag(field, Wire::varint);
    put_varint(value);
    return *this;
  }

  Proto& fixed64(int field, std::uint64_t value)
  {
    tag(field, Wire::fixed64);
    for (int i = 0; i < 8; ++i) {
      m_bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
    return *this;
  }

  // A string, bytes, or an embedded message.
  Proto& bytes(int field, std::string_view value)
  {
    tag(field, Wire::length);
    put_varint(value.size());
    m_bytes.append(value);
    return *this;
  }

  const std::string& str() const { return m_bytes; }

private:
  void tag(int field, Wire wire)
  {
    put_varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(wire));
  }

  void put_varint(std::uint64_t value)
  {
    while (value >= 0x80) {
      m_bytes.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    m_bytes.push_back(static_cast<char>(value));
  }

  std::string m_bytes;
};

std::string
string_value(std::string_view text) // AnyValue{string_value}
{
  return Proto().bytes(1, text).str();
}

std::string
attribute(std::string_view key, std::string_view value) // KeyValue
{
  return Proto().bytes(1, key).bytes(2, string_value(value)).str();
}

std::string
resource() // Resource{attributes}
{
  return Proto().bytes(1, attribute("service.name", "aigw-setup")).str();
}

std::string
scope() // InstrumentationScope{name, version}
{
  return Proto().bytes(1, "aigw-setup").bytes(2, k_version).str();
}

// Export{Metrics,Logs}ServiceRequest around one metric or log record: both signals frame
// it the same way, resource_*(1){resource(1), scope_*(2){scope(1), item(2)}}.
std::string
export_request(const std::string& item)
{
  const std::string scoped = Proto().bytes(1, scope()).bytes(2, item).str();
  const std::string with_resource = Proto().bytes(1, resource()).bytes(2, scoped).str();
  return Proto().bytes(1, with_resource).str();
}

std::uint64_t
unix_nanos(SystemTime time)
{
  const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch());
  return static_cast<std::uint64_t>(since.count());
}

// ------------------------------------------------------------------ agent bodies

std::string
messages_body(const std::string& model)
{
  const Json content = Json::array({{{"type", "text"}, {"text", k_prompt}}});
  return Json{{"model", model},
              {"max_tokens", 16},
              {"stream", true},
              {"messages", Json::array({{{"role", "user"}, {"content", content}}})}}
    .dump();
}

std::string
responses_body(const std::string& model)
{
  const Json content = Json::array({{{"type", "input_text"}, {"text", k_prompt}}});
  const Json message{{"type", "message"}, {"role", "user"}, {"content", content}};
  return Json{{"model", model},
              {"stream", true},
              {"store", false},
              {"input", Json::array({message})}}
    .dump();
}

std::string
gemini_body()
{
  const Json parts = Json::array({{{"text", k_prompt}}});
  return Json{{"contents", Json::array({{{"role", "user"}, {"parts", parts}}})}}.dump();
}

std::string
chat_body(const std::string& model)
{
  return Json{{"model", model},
              {"stream", true},
              {"messages", Json::array({{{"role", "user"}, {"content", k_prompt}}})}}
    .dump();
}

void
set_agent_request(net::HttpRequest& request, const RouteTarget& target,
                  const std::string& base_url, SystemTime now)
{
  request.headers.set("Content-Type", "application/json");
  switch (target.kind) {
  case RouteKind::claude:
    request.url = base_url + "/v1/messages?beta=true";
    request.headers.set("Accept", "application/json");
    request.headers.set("anthropic-version", "2023-06-01");
    request.headers.set("anthropic-beta", "claude-code-20250219");
    request.headers.set("x-app", "cli");
    request.headers.set(k_coding_agent_header, "true");
    request.body = messages_body(target.model);
    return;
  case RouteKind::codex:
    request.url = base_url + "/responses";
    request.headers.set("Accept", "text/event-stream");
    request.body = responses_body(target.model);
    return;
  case RouteKind::gemini:
    request.url = base_url + "/v1beta/models/" + target.model + ":streamGenerateContent?alt=sse";
    request.body = gemini_body();
    return;
  case RouteKind::cursor:
    request.url = base_url + "/chat/completions";
    request.body = chat_body(target.model);
    return;
  case RouteKind::otel_metrics:
  case RouteKind::otel_logs:
    break;
  }
  const bool metrics = target.kind == RouteKind::otel_metrics;
  request.url = base_url + "/api/2.0/otel/v1/" + (metrics ? "metrics" : "logs");
  request.headers.set("Content-Type", "application/x-protobuf");
  request.headers.set("X-Databricks-UC-Table-Name", target.model);
  request.body = metrics ? otlp_metrics_request(now) : otlp_logs_request(now);
}

// Whether `host` is covered by one entry of a no_proxy list ("*", a name, ".domain").
bool
bypasses_proxy(const std::string& host, const std::string& no_proxy)
{
  for (const auto& raw : util::split(no_proxy, ',')) {
    std::string entry(util::trim(raw));
    if (entry == "*") {
      return true;
    }
    if (!entry.empty() && entry.front() == '.') {
      entry.erase(0, 1);
    }
    if (!entry.empty() && (host == entry || host.ends_with("." + entry))) {
      return true;
    }
  }
  return false;
}

} // namespace

std::string
otlp_metrics_request(SystemTime now)
{
  const std::uint64_t nanos = unix_nanos(now);
  // NumberDataPoint{start_time_unix_nano, time_unix_nano, as_int (sfixed64)}
  const std::string point = Proto().fixed64(2, nanos).fixed64(3, nanos).fixed64(6, 1).str();
  const std::string gauge = Proto().bytes(1, point).str();
  const std::string metric = Proto()
                               .bytes(1, k_test_name)
                               .bytes(2, "one data point sent by aigw-setup test")
                               .bytes(3, "1")
                               .bytes(5, gauge)
                               .str();
  return export_request(metric);
}

std::string
otlp_logs_request(SystemTime now)
{
  const std::uint64_t nanos = unix_nanos(now);
  constexpr std::uint64_t k_severity_info = 9;
  // LogRecord{time_unix_nano, severity_number, severity_text, body, observed_time_unix_nano,
  // event_name}
  const std::string record = Proto()
                               .fixed64(1, nanos)
                               .varint(2, k_severity_info)
                               .bytes(3, "INFO")
                               .bytes(5, string_value("aigw-setup test: the OTel logs route works"))
                               .fixed64(11, nanos)
                               .bytes(12, k_test_name)
                               .str();
  return export_request(record);
}

net::HttpRequest
agent_request(const RouteTarget& target, const std::string& base_url, SystemTime now)
{
  net::HttpRequest request;
  request.method = "POST";
  set_agent_request(request, target, base_url, now);

  if (target.credential.token) {
    const std::string& token = target.credential.token->reveal();
    request.headers.set("Authorization", "Bearer " + token);
    if (target.kind == RouteKind::gemini) {
      request.headers.set("x-goog-api-key", token);
    }
  }
  for (const auto& [name, value] : target.headers.items) {
    request.headers.set(name, value);
  }

  set_timeouts(request, target.timeout);
  return request;
}

void
set_timeouts(net::HttpRequest& request, std::chrono::seconds timeout)
{
  request.total_timeout = timeout;
  request.idle_timeout = timeout;
  request.connect_timeout = std::min<std::chrono::milliseconds>(timeout, k_max_connect);
}

std::string
shown_url(const net::HttpRequest& request)
{
  const auto query = request.url.find('?');
  if (query == std::string::npos) {
    return net::redact_url(request.url);
  }
  return net::redact_url(request.url.substr(0, query)) + request.url.substr(query);
}

std::optional<std::string>
proxy_for(std::string_view url, const EnvLookup& env)
{
  const bool https = url.starts_with("https://");
  // libcurl reads http_proxy only in lower case (HTTP_PROXY may be set by a web server).
  const std::vector<const char*> names = https
                                           ? std::vector{"https_proxy", "HTTPS_PROXY", "all_proxy",
                                                         "ALL_PROXY"}
                                           : std::vector{"http_proxy", "all_proxy", "ALL_PROXY"};
  std::optional<std::string> proxy;
  for (const char* name : names) {
    if ((proxy = env(name))) {
      break;
    }
  }
  if (!proxy) {
    return std::nullopt;
  }
  const std::string host = url_host(url);
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    if (auto list = env(name); list && bypasses_proxy(host, *list)) {
      return std::nullopt;
    }
  }
  return net::redact_url(*proxy);
}

} // namespace aigw::core
