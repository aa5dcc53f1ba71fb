// SPDX-License-Identifier: MIT
// Where bearer tokens come from: a PAT as it is, the OAuth client-credentials grant
// (databricks-sdk-go config/auth_m2m.go: Basic client auth, scope all-apis), and the
// databricks CLI's `auth token` for users who logged in with `databricks auth login`.
// The CLI's whole stdout is treated as a secret: besides the access token it may hold a
// refresh token. Several CLI processes refreshing at once race on the token cache file and
// fail with "cache update ... exit status 45"; that is retried a few times with jitter.
#include <algorithm>
#include <random>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/databricks_auth.hpp"
#include "core/credentials.hpp"
#include "net/databricks_client.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

class StaticTokenSource : public TokenSource
{
public:
  explicit StaticTokenSource(util::Secret token) : m_token(std::move(token)) {}

  util::Result<AccessToken> fetch() override { return AccessToken{m_token, std::nullopt}; }

private:
  util::Secret m_token;
};

std::string
base64(std::string_view bytes)
{
  static constexpr char k_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto byte_at = [&](std::size_t i) -> std::uint32_t {
    return i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0U;
  };
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    const std::uint32_t chunk = byte_at(i) << 16 | byte_at(i + 1) << 8 | byte_at(i + 2);
    out += k_alphabet[(chunk >> 18) & 63];
    out += k_alphabet[(chunk >> 12) & 63];
    out += left > 1 ? k_alphabet[(chunk >> 6) & 63] : '=';
    out += left > 2 ? k_alphabet[chunk & 63] : '=';
  }
  return out;
}

// application/x-www-form-urlencoded, which RFC 6749 2.3.1 asks for inside the Basic header.
std::string
form_encode(std::string_view text)
{
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += k_hex[byte >> 4];
      out += k_hex[byte & 15];
    }
  }
  return out;
}

class M2mTokenSource : public TokenSource
{
public:
  M2mTokenSource(net::HttpClient& http, std::string host, std::string client_id,
                 util::Secret secret)
    : m_http(http), m_url(std::move(host) + "/oidc/v1/token"), m_client_id(std::move(client_id)),
      m_secret(std::move(secret))
  {
  }

  util::Result<AccessToken> fetch() override;

private:
  util::Result<AccessToken> parse(const net::HttpResponse& response) const;

  net::HttpClient& m_http;
  std::string m_url;
  std::string m_client_id;
  util::Secret m_secret;
};

util::Result<AccessToken>
M2mTokenSource::fetch()
{
  const std::string basic = base64(form_encode(m_client_id) + ":"
                                   + form_encode(m_secret.reveal()));
  util::register_secret(basic);
  net::HttpRequest request;
  request.method = "POST";
  request.url = m_url;
  request.headers.set("Authorization", "Basic " + basic);
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  request.headers.set("Accept", "application/json");
  request.body = "grant_type=client_credentials&scope=all-apis";

  AIGW_DEBUG("POST " << net::redact_url(m_url) << " (OAuth client credentials)");
  auto response = m_http.send(request);
  if (!response) {
    return util::fail(ErrorKind::remote, "POST " + net::redact_url(m_url) + ": "
                                           + response.error().message);
  }
  if (response->status != 200) {
    return util::fail(ErrorKind::remote,
                      "POST " + net::redact_url(m_url) + ": "
                        + net::describe_error_body(response->status, response->body, nullptr)
                        + " (OAuth M2M for client " + m_client_id + ")");
  }
  return parse(*response);
}

util::Result<AccessToken>
M2mTokenSource::parse(const net::HttpResponse& response) const
{
  const auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("access_token")
      || !json["access_token"].is_string()) {
    return util::fail(ErrorKind::remote,
                      "POST " + net::redact_url(m_url) + ": the answer holds no access_token");
  }
  // It goes into an HTTP header as it is: a newline or a space there is no token at all.
  auto checked = validate_token(json["access_token"].get<std::string>(),
                                "POST " + net::redact_url(m_url));
  if (!checked) {
    return util::fail(ErrorKind::remote, checked.error().message);
  }
  AccessToken token{std::move(*checked), std::nullopt};
  if (json.contains("expires_in") && json["expires_in"].is_number()) {
    const auto seconds = std::chrono::seconds(json["expires_in"].get<long>());
    token.expiry = std::chrono::system_clock::now() + seconds;
  }
  return token;
}

// ---------------------------------------------------------------------------- CLI (U2M)

// Variables that make `databricks auth token` pick an identity other than the --host one.
const std::vector<std::string> k_scrubbed_env{
  "DATABRICKS_TOKEN",    "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET",
  "DATABRICKS_USERNAME", "DATABRICKS_PASSWORD",  "DATABRICKS_AUTH_TYPE",
  "DATABRICKS_CONFIG_PROFILE",
};

constexpr std::chrono::seconds k_cli_timeout{60};
constexpr int k_cache_locked_exit = 45;

class CliTokenSource : public TokenSource
{
public:
  explicit CliTokenSource(CliTokenOptions options);

  util::Result<AccessToken> fetch() override;

private:
  std::vector<std::string> argv() const;
  std::string command_text() const;
  std::string login_hint() const;
  std::string not_run_reason() const;
  util::Result<AccessToken> parse(const std::string& out) const;

  CliTokenOptions m_options;
};

CliTokenSource::CliTokenSource(CliTokenOptions options) : m_options(std::move(options))
{
  if (!m_options.run) {
    m_options.run = [](const std::vector<std::string>& argv, const util::CaptureOptions& how) {
      return util::run_capture(argv, how);
    };
  }
  if (!m_options.sleep) {
    m_options.sleep = [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
  }
  if (!m_options.now) {
    m_options.now = std::chrono::system_clock::now;
  }
}

std::vector<std::string>
CliTokenSource::argv() const
{
  if (m_options.profile) {
    return {m_options.cli_path, "auth", "token", "--profile", *m_options.profile};
  }
  return {m_options.cli_path, "auth", "token", "--host", m_options.host};
}

std::string
CliTokenSource::command_text() const
{
  auto words = argv();
  words.front() = "databricks";
  return "`" + util::join(words, " ") + "`";
}

std::string
CliTokenSource::login_hint() const
{
  return m_options.profile ? "run `databricks auth login --profile " + *m_options.profile + "`"
                           : "run `databricks auth login --host " + m_options.host + "`";
}

std::string
CliTokenSource::not_run_reason() const
{
  const std::string& path = m_options.cli_path;
  const bool found = path.find('/') != std::string::npos ? ::access(path.c_str(), X_OK) == 0
                                                         : util::find_on_path(path).has_value();
  if (!found) {
    return " could not run: \"" + path + "\" was not found (install the Databricks CLI, or "
           "name it with DATABRICKS_CLI_PATH)";
  }
  return " did not finish within " + std::to_string(k_cli_timeout.count())
         + " s and was stopped";
}

bool
cache_locked(const util::ProcessOutput& output)
{
  const auto says = [&](std::string_view marker) {
    return output.err.find(marker) != std::string::npos
           || output.out.find(marker) != std::string::npos;
  };
  return output.exit_code == k_cache_locked_exit || says("cache update")
         || says("exit status 45");
}

std::string
last_line(std::string_view text)
{
  // The CLI's own words, as short as a reason is: its output goes into our messages and
  // from there into logs and MDM reports, so not a whole trace, and no terminal escapes.
  constexpr std::size_t k_longest = 300;
  text = util::trim(text);
  const std::size_t newline = text.rfind('\n');
  const auto line = util::trim(newline == std::string_view::npos ? text : text.substr(newline + 1));
  return util::printable(line.substr(0, k_longest))
         + (line.size() > k_longest ? " [cut]" : "");
}

std::chrono::milliseconds
jitter(int attempt)
{
  static thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<int> spread(250, 750);
  return std::chrono::milliseconds(spread(random) * attempt);
}

util::Result<AccessToken>
CliTokenSource::fetch()
{
  util::CaptureOptions how;
  how.timeout = k_cli_timeout;
  how.capture_stderr = true;
  if (!m_options.profile) {
    how.unset_env = k_scrubbed_env;
  }

  for (int attempt = 1;; ++attempt) {
    AIGW_DEBUG("running " << command_text());
    const util::ProcessOutput output = m_options.run(argv(), how);
    util::register_secret(util::trim(output.out));
    if (output.exit_code == 0) {
      return parse(output.out);
    }
    if (output.exit_code == -1) {
      return util::fail(ErrorKind::remote, command_text() + not_run_reason());
    }
    if (cache_locked(output) && attempt < m_options.tries) {
      AIGW_DEBUG("the databricks token cache is busy; trying again");
      m_options.sleep(jitter(attempt));
      continue;
    }
    return util::fail(ErrorKind::remote, command_text() + " failed (exit "
                                           + std::to_string(output.exit_code)
                                           + "): " + last_line(output.err) + "; "
                                           + login_hint());
  }
}

util::Result<AccessToken>
CliTokenSource::parse(const std::string& out) const
{
  const auto json = nlohmann::json::parse(out, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("access_token")
      || !json["access_token"].is_string() || json["access_token"].get<std::string>().empty()) {
    return util::fail(ErrorKind::remote, command_text() + " printed no access_token");
  }
  for (const auto& [key, value] : json.items()) {
    if (key.find("token") != std::string::npos && value.is_string()) {
      util::register_secret(value.get<std::string>());
    }
  }

  // It goes into an HTTP header as it is: a newline or a space there is no token at all.
  auto checked = validate_token(json["access_token"].get<std::string>(), command_text());
  if (!checked) {
    return util::fail(ErrorKind::remote, checked.error().message);
  }
  AccessToken token{std::move(*checked), std::nullopt};
  if (json.contains("expiry") && json["expiry"].is_string()) {
    const std::string text = json["expiry"].get<std::string>();
    token.expiry = parse_token_expiry(text);
    if (!token.expiry) {
      return util::fail(ErrorKind::remote, command_text() + " printed an expiry that is not a "
                                                            "time: \"" + text + "\"");
    }
    if (*token.expiry <= m_options.now()) {
      return util::fail(ErrorKind::remote, command_text() + " returned a token that expired at "
                                             + text + "; " + login_hint());
    }
  }
  return token;
}

// ---------------------------------------------------------------------------- expiry

// Reads fixed-width digits from the front of `text`.
std::optional<int>
take_digits(std::string_view& text, std::size_t count)
{
  if (text.size() < count) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  text.remove_prefix(count);
  return value;
}

bool
take(std::string_view& text, char c)
{
  if (text.empty() || text.front() != c) {
    return false;
  }
  text.remove_prefix(1);
  return true;
}

// ".123456789" → nanoseconds; nothing when there is no fraction.
std::chrono::nanoseconds
take_fraction(std::string_view& text)
{
  std::chrono::nanoseconds::rep nanos = 0;
  if (!take(text, '.')) {
    return std::chrono::nanoseconds(0);
  }
  int digits = 0;
  while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
    if (digits < 9) {
      nanos = nanos * 10 + (text.front() - '0');
      ++digits;
    }
    text.remove_prefix(1);
  }
  for (; digits < 9; ++digits) {
    nanos *= 10;
  }
  return std::chrono::nanoseconds(nanos);
}

struct Civil
{
  int year, month, day, hour, minute, second;
};

std::optional<Civil>
take_civil(std::string_view& text, bool& local)
{
  const auto year = take_digits(text, 4);
  if (!year || !take(text, '-')) {
    return std::nullopt;
  }
  const auto month = take_digits(text, 2);
  if (!month || !take(text, '-')) {
    return std::nullopt;
  }
  const auto day = take_digits(text, 2);
  local = take(text, ' ');
  if (!day || (!local && !take(text, 'T'))) {
    return std::nullopt;
  }
  const auto hour = take_digits(text, 2);
  if (!hour || !take(text, ':')) {
    return std::nullopt;
  }
  const auto minute = take_digits(text, 2);
  if (!minute || !take(text, ':')) {
    return std::nullopt;
  }
  const auto second = take_digits(text, 2);
  if (!second) {
    return std::nullopt;
  }
  return Civil{*year, *month, *day, *hour, *minute, *second};
}

// "Z", "+01:00" or "-07:00" as the offset to subtract; nothing for anything else.
std::optional<std::chrono::minutes>
take_offset(std::string_view& text)
{
  if (take(text, 'Z')) {
    return std::chrono::minutes(0);
  }
  const bool east = !text.empty() && text.front() == '+';
  if (!take(text, '+') && !take(text, '-')) {
    return std::nullopt;
  }
  const auto hours = take_digits(text, 2);
  if (!hours || !take(text, ':')) {
    return std::nullopt;
  }
  const auto minutes = take_digits(text, 2);
  if (!minutes) {
    return std::nullopt;
  }
  const std::chrono::minutes offset(*hours * 60 + *minutes);
  return east ? offset : -offset;
}

// The Go SDK's "2006-01-02 15:04:05" form is the machine's local time.
SystemTime
local_time(const Civil& civil, std::chrono::nanoseconds fraction)
{
  std::tm parts{};
  parts.tm_year = civil.year - 1900;
  parts.tm_mon = civil.month - 1;
  parts.tm_mday = civil.day;
  parts.tm_hour = civil.hour;
  parts.tm_min = civil.minute;
  parts.tm_sec = civil.second;
  parts.tm_isdst = -1;
  const auto whole = std::chrono::system_clock::from_time_t(std::mktime(&parts));
  return std::chrono::time_point_cast<SystemTime::duration>(whole + fraction);
}

} // namespace

std::optional<SystemTime>
parse_token_expiry(std::string_view text)
{
  namespace chrono = std::chrono;
  text = util::trim(text);
  bool local = false;
  const auto civil = take_civil(text, local);
  if (!civil) {
    return std::nullopt;
  }
  const auto fraction = take_fraction(text);
  if (local) {
    return text.empty() ? std::optional(local_time(*civil, fraction)) : std::nullopt;
  }

  const auto offset = take_offset(text);
  const chrono::year_month_day date{chrono::year(civil->year),
                                    chrono::month(static_cast<unsigned>(civil->month)),
                                    chrono::day(static_cast<unsigned>(civil->day))};
  if (!offset || !text.empty() || !date.ok()) {
    return std::nullopt;
  }
  const auto utc = chrono::sys_days(date) + chrono::hours(civil->hour)
                   + chrono::minutes(civil->minute) + chrono::seconds(civil->second) - *offset;
  return chrono::time_point_cast<SystemTime::duration>(utc + fraction);
}

std::unique_ptr<TokenSource>
make_m2m_token_source(net::HttpClient& http, std::string host, std::string client_id,
                      util::Secret secret)
{
  return std::make_unique<M2mTokenSource>(http, std::move(host), std::move(client_id),
                                          std::move(secret));
}

std::unique_ptr<TokenSource>
make_cli_token_source(CliTokenOptions options)
{
  return std::make_unique<CliTokenSource>(std::move(options));
}

std::unique_ptr<TokenSource>
make_token_source(const DatabricksAuth& auth, net::HttpClient& http)
{
  switch (auth.method) {
  case AuthMethod::pat:
    return std::make_unique<StaticTokenSource>(*auth.token);
  case AuthMethod::oauth_m2m:
    return make_m2m_token_source(http, auth.host, *auth.client_id, *auth.client_secret);
  case AuthMethod::databricks_cli:
    break;
  }
  CliTokenOptions options;
  options.cli_path = auth.cli_path;
  options.host = auth.host;
  options.profile = auth.profile;
  return make_cli_token_source(std::move(options));
}

} // namespace aigw::core
