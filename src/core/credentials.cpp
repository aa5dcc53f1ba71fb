// SPDX-License-Identifier: MIT
// The credential file and what it stands for. A PAT is returned as kept; an OAuth credential
// is turned into a token source each time it is used, so that the file never holds a token
// that expires within the hour and the client secret of OAuth M2M is read again from where
// Databricks' own tools keep it.
#include "core/credentials.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <istream>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "net/http.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

constexpr std::size_t k_max_token_length = 16 * 1024;

// The most read from stdin or a token file: room for a token padded with blank lines, and
// a bound on memory when the input never ends (/dev/zero, `yes | ...`).
constexpr std::size_t k_max_input_length = 64 * 1024;

bool
header_safe(const std::string& token)
{
  for (const char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return false;
    }
  }
  return true;
}

util::Result<util::Secret>
too_long(const std::string& source)
{
  return util::fail(ErrorKind::usage, "the token from " + source + " is too long");
}

// At most k_max_input_length bytes of `in`; nullopt when there are more.
std::optional<std::string>
read_bounded(std::istream& in)
{
  std::string raw(k_max_input_length + 1, '\0');
  in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  const auto got = static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0));
  if (got > k_max_input_length) {
    return std::nullopt;
  }
  raw.resize(got);
  return raw;
}

util::Result<util::Secret>
read_token_file(const std::filesystem::path& file)
{
  // A FIFO would block the open and a device may never end: only a regular file (after
  // its symlinks) is read.
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return util::fail(ErrorKind::usage, "--token-file " + file.string() + ": no such file");
  }
  if (error) {
    return util::fail(ErrorKind::parse,
                      "cannot read " + file.string() + ": " + util::errno_text(error.value()));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return util::fail(ErrorKind::usage, "--token-file " + file.string() + ": not a regular file");
  }

  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return util::fail(ErrorKind::parse,
                      "cannot read " + file.string() + ": " + util::errno_text(errno));
  }
  auto raw = read_bounded(in);
  if (in.bad()) {
    return util::fail(ErrorKind::parse, "cannot read " + file.string() + ": read error");
  }
  return raw ? validate_token(std::move(*raw), file.string()) : too_long(file.string());
}

using Json = nlohmann::ordered_json;

void
put(Json& json, const char* key, const std::optional<std::string>& value)
{
  if (value) {
    json[key] = *value;
  }
}

util::Result<std::optional<std::string>>
optional_text(const nlohmann::json& json, const char* key, const std::filesystem::path& file)
{
  if (!json.contains(key)) {
    return std::optional<std::string>{};
  }
  if (!json[key].is_string()) {
    return util::fail(ErrorKind::parse,
                      file.string() + ": \"" + key + "\" must be a string");
  }
  return std::optional<std::string>(json[key].get<std::string>());
}

// Host, profile and where the CLI or the profile's file is: the OAuth part of the file.
util::Result<void>
read_oauth(const nlohmann::json& json, const std::filesystem::path& file,
           StoredCredential& credential)
{
  const std::pair<const char*, std::optional<std::string>*> fields[] = {
    {"host", &credential.host},
    {"profile", &credential.profile},
    {"cli_path", &credential.cli_path},
    {"config_file", &credential.config_file},
  };
  for (const auto& [key, target] : fields) {
    auto value = optional_text(json, key, file);
    AIGW_TRY(value);
    *target = std::move(*value);
  }
  if (!credential.host) {
    return util::fail(ErrorKind::parse, file.string() + ": a " + credential.auth
                                          + " credential needs its \"host\"");
  }
  return {};
}

// The M2M grant's client id and secret, found again as at configure time: in the kept
// profile, or in the environment. The profile and auth type in the environment are not
// looked at: the credential names its own.
util::Result<std::unique_ptr<TokenSource>>
m2m_source(const StoredCredential& credential, const EnvLookup& env, net::HttpClient& http)
{
  const EnvLookup kept_env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "DATABRICKS_CONFIG_FILE" && credential.config_file) {
      return credential.config_file;
    }
    if (name == "DATABRICKS_CONFIG_PROFILE" || name == "DATABRICKS_AUTH_TYPE") {
      return std::nullopt;
    }
    return env(name);
  };
  DatabricksOptions wanted;
  wanted.host = credential.host;
  wanted.profile = credential.profile;
  wanted.auth_type = credential.auth;
  auto auth = resolve_databricks_auth(wanted, kept_env, {});
  AIGW_TRY(auth);
  return make_m2m_token_source(http, auth->host, *auth->client_id, *auth->client_secret);
}

} // namespace

util::Result<util::Secret>
validate_token(std::string raw, const std::string& source)
{
  // Files and pipes usually end with a newline that is not part of the token.
  const std::string token(util::trim(raw));
  if (token.empty()) {
    return util::fail(ErrorKind::usage, "the token from " + source + " is empty");
  }
  if (token.size() > k_max_token_length) {
    return too_long(source);
  }
  if (!header_safe(token)) {
    return util::fail(ErrorKind::usage,
                      "the token from " + source
                        + " holds spaces or control characters; give only the token");
  }
  return util::Secret(token);
}

util::Result<util::Secret>
read_token(const TokenInput& input, std::istream& in, const EnvLookup& env)
{
  if (input.from_stdin) {
    auto raw = read_bounded(in);
    return raw ? validate_token(std::move(*raw), "standard input") : too_long("standard input");
  }
  if (input.file) {
    return read_token_file(*input.file);
  }
  const std::string variable = input.env_name.value_or("DATABRICKS_TOKEN");
  if (auto value = env(variable)) {
    return validate_token(std::move(*value), "$" + variable);
  }
  return util::fail(ErrorKind::usage,
                    "no token: pipe it to --token-stdin, name a file with --token-file, or "
                    "export " + variable);
}

bool
is_oauth(const StoredCredential& credential)
{
  return credential.auth == "databricks-cli" || credential.auth == "oauth-m2m";
}

StoredCredential
oauth_credential(const DatabricksAuth& auth, const EnvLookup& env,
                 const std::filesystem::path& home)
{
  StoredCredential credential;
  credential.auth = to_string(auth.method);
  credential.host = auth.host;
  credential.profile = auth.profile;
  if (auth.method == AuthMethod::databricks_cli && auth.cli_path != "databricks") {
    credential.cli_path = auth.cli_path;
  }
  if (auth.method == AuthMethod::oauth_m2m && auth.profile) {
    // The same file the resolution read, so that a later run finds the same profile.
    const auto file = databricks_config_path(env, home);
    credential.config_file = std::filesystem::absolute(file).lexically_normal().string();
  }
  return credential;
}

util::Result<std::unique_ptr<TokenSource>>
oauth_token_source(const StoredCredential& credential, const EnvLookup& env,
                   net::HttpClient& http)
{
  if (credential.auth == "oauth-m2m") {
    return m2m_source(credential, env, http);
  }
  CliTokenOptions options;
  options.cli_path = env("DATABRICKS_CLI_PATH").value_or(credential.cli_path.value_or(
    "databricks"));
  options.host = credential.host.value_or("");
  options.profile = credential.profile;
  return make_cli_token_source(std::move(options));
}

std::string
credential_file_text(const StoredCredential& credential)
{
  Json json;
  json["version"] = 1;
  json["auth"] = credential.auth;
  if (is_oauth(credential)) {
    put(json, "host", credential.host);
    put(json, "profile", credential.profile);
    put(json, "cli_path", credential.cli_path);
    put(json, "config_file", credential.config_file);
  } else if (credential.token_env) {
    json["token_env"] = *credential.token_env;
  } else if (credential.token) {
    json["token"] = credential.token->reveal();
  }
  return json.dump(2) + "\n";
}

util::Result<StoredCredential>
load_credential(const std::filesystem::path& file)
{
  auto content = util::read_file_if_exists(file);
  AIGW_TRY(content);
  if (!content->has_value()) {
    return util::fail(ErrorKind::failed,
                      "no credential is configured (" + file.string()
                        + " does not exist); configure one: aigw-setup configure AGENT... "
                          "--gateway URL --token-stdin (add --auth relay for the relay), or "
                          "--auth databricks-cli");
  }
  const auto json = nlohmann::json::parse(**content, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return util::fail(ErrorKind::parse, file.string() + ": not a valid credential file");
  }

  StoredCredential credential;
  credential.auth = json.value("auth", "pat");
  if (is_oauth(credential)) {
    AIGW_TRY(read_oauth(json, file, credential));
    return credential;
  }
  if (credential.auth != "pat") {
    return util::fail(ErrorKind::parse, file.string() + ": auth \"" + credential.auth
                                          + "\" is not pat, databricks-cli or oauth-m2m");
  }
  if (json.contains("token_env") && json["token_env"].is_string()) {
    credential.token_env = json["token_env"].get<std::string>();
  } else if (json.contains("token") && json["token"].is_string()) {
    credential.token = util::Secret(json["token"].get<std::string>());
  } else {
    return util::fail(ErrorKind::parse, file.string() + ": holds neither token nor token_env");
  }
  return credential;
}

util::Result<util::Secret>
current_token(const StoredCredential& credential, const EnvLookup& env)
{
  if (is_oauth(credential)) {
    const auto http = net::make_curl_client();
    auto source = oauth_token_source(credential, env, *http);
    AIGW_TRY(source);
    auto token = (*source)->fetch();
    AIGW_TRY(token);
    return std::move(token->value);
  }
  if (credential.token_env) {
    auto value = env(*credential.token_env);
    if (!value) {
      return util::fail(ErrorKind::failed,
                        "$" + *credential.token_env + " is not set; the configured token is "
                        "read from it");
    }
    return validate_token(std::move(*value), "$" + *credential.token_env);
  }
  return *credential.token;
}

util::Result<void>
save_credential(const Paths& paths, const config::SafeWriter& writer,
                const StoredCredential& credential)
{
  auto written = writer.write(paths.credentials_file(), credential_file_text(credential),
                              config::Sensitivity::secret, config::Backup::skip);
  AIGW_TRY(written);
  return {};
}

} // namespace aigw::core
