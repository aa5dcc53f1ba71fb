// SPDX-License-Identifier: MIT
// Which Databricks workspace we talk to and with what credential, found the way Databricks'
// unified client auth finds them (databricks-sdk-go config/): each attribute comes from the
// command line, else from its DATABRICKS_* variable, else from a ~/.databrickscfg profile.
// The methods are a personal access token (pat), OAuth machine-to-machine (oauth-m2m) and
// OAuth user-to-machine through `databricks auth token` (databricks-cli). A TokenCache hands
// out a fresh bearer token to any thread and refreshes it before it expires.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/paths.hpp"
#include "net/http.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/secret.hpp"

namespace aigw::core {

// ---------------------------------------------------------------------------- config file

// One `[section]` of a .databrickscfg: key -> value. Keys are case-sensitive, as the Go
// SDK and the databricks CLI read them.
using ConfigSection = std::map<std::string, std::string>;

struct DatabricksConfigFile
{
  fs::path path;
  std::map<std::string, ConfigSection> sections; // DEFAULT holds keys above any section
};

// Parse the INI text of a .databrickscfg. `#` and `;` start a comment line; inside a value a
// comment starts only at a `#` or `;` after whitespace (passwords may hold `#`); one pair of
// surrounding quotes is dropped. Parse errors name `path`, the line and the cause.
util::Result<DatabricksConfigFile> parse_databricks_config(std::string_view text,
                                                           const fs::path& path);

// The file Databricks' tools read: $DATABRICKS_CONFIG_FILE (a leading ~ is `home`), else
// `home`/.databrickscfg.
fs::path databricks_config_path(const EnvLookup& env, const fs::path& home);

// The parsed file at `path`; no sections when there is no such file.
util::Result<DatabricksConfigFile> read_databricks_config(const fs::path& path);

struct ConfigProfile
{
  std::string name;
  ConfigSection values;
};

// The profile to read: `explicit_profile`, else `[__settings__] default_profile`, else
// `[DEFAULT]` (nullopt when that is empty). A named profile that is missing or empty is a
// usage error naming the file and the profile.
util::Result<std::optional<ConfigProfile>> select_profile(
  const DatabricksConfigFile& file, const std::optional<std::string>& explicit_profile);

// ---------------------------------------------------------------------------- resolution

enum class AuthMethod { pat, oauth_m2m, databricks_cli };

std::string to_string(AuthMethod method);

// What the command line gives. Anything unset may come from the environment or the file.
struct DatabricksOptions
{
  std::optional<std::string> host;      // --workspace
  std::optional<std::string> profile;   // --profile
  std::optional<util::Secret> token;    // read from stdin or a file, never argv
  std::optional<std::string> auth_type; // pat, oauth-m2m or databricks-cli
};

struct DatabricksAuth
{
  std::string host; // https://adb-1.azuredatabricks.net, no trailing slash
  AuthMethod method = AuthMethod::pat;
  std::optional<std::string> profile;     // the config-file profile that was read
  std::optional<util::Secret> token;      // pat
  std::optional<std::string> client_id;   // oauth-m2m
  std::optional<util::Secret> client_secret;
  std::string cli_path = "databricks";    // databricks-cli
};

// Resolve host and credential from `options`, `env` (DATABRICKS_HOST, DATABRICKS_TOKEN, ...)
// and the config file ($DATABRICKS_CONFIG_FILE or `home`/.databrickscfg). Errors name the
// attribute, where it came from, and what to do.
util::Result<DatabricksAuth> resolve_databricks_auth(const DatabricksOptions& options,
                                                     const EnvLookup& env,
                                                     const fs::path& home);

// ---------------------------------------------------------------------------- tokens

using SystemTime = std::chrono::system_clock::time_point;
using Sleeper = std::function<void(std::chrono::milliseconds)>;

struct AccessToken
{
  util::Secret value;
  std::optional<SystemTime> expiry; // none: does not expire (a PAT)
};

class TokenSource
{
public:
  virtual ~TokenSource() = default;

  // A new token from wherever this source mints them.
  virtual util::Result<AccessToken> fetch() = 0;
};

// The OAuth client-credentials grant at `host`/oidc/v1/token, scope all-apis, with the client
// id and secret in an HTTP Basic header.
std::unique_ptr<TokenSource> make_m2m_token_source(net::HttpClient& http, std::string host,
                                                   std::string client_id, util::Secret secret);

using ProcessRunner = std::function<util::ProcessOutput(const std::vector<std::string>&,
                                                        const util::CaptureOptions&)>;

struct CliTokenOptions
{
  std::string cli_path = "databricks";
  std::string host;
  std::optional<std::string> profile; // --profile P when set, else --host H
  ProcessRunner run;                  // default: util::run_capture
  Sleeper sleep;                      // between tries when the token cache is locked
  int tries = 3;
  std::function<SystemTime()> now;    // default: the system clock
};

// `databricks auth token`, retried with jitter while another process holds the CLI's token
// cache. With --host the child gets no DATABRICKS_TOKEN, _CLIENT_ID/_SECRET, _USERNAME/
// _PASSWORD, _AUTH_TYPE or _CONFIG_PROFILE, which would otherwise pick another identity.
std::unique_ptr<TokenSource> make_cli_token_source(CliTokenOptions options);

// The source for `auth`: its PAT, the M2M grant over `http`, or the databricks CLI.
std::unique_ptr<TokenSource> make_token_source(const DatabricksAuth& auth, net::HttpClient& http);

// The `expiry` of `databricks auth token`: RFC 3339 with optional fraction and offset, or
// "2006-01-02 15:04:05[.fff]" in local time.
std::optional<SystemTime> parse_token_expiry(std::string_view text);

// A token shared by every thread, fetched again 5 minutes before it expires. One caller
// fetches while the others wait for its result.
class TokenCache
{
public:
  static constexpr std::chrono::minutes k_refresh_margin{5};

  explicit TokenCache(std::unique_ptr<TokenSource> source,
                      std::function<SystemTime()> now = std::chrono::system_clock::now);

  // A token that is valid for at least the refresh margin (or does not expire).
  util::Result<util::Secret> token();

  // Forget the token (the server said 401), so the next call fetches a new one.
  void invalidate();

private:
  std::unique_ptr<TokenSource> m_source;
  std::function<SystemTime()> m_now;
  std::mutex m_mutex;
  std::optional<AccessToken> m_token;
};

} // namespace aigw::core
