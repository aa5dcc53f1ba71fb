// SPDX-License-Identifier: MIT
// Credential resolution in the order of databricks-sdk-go's config loaders: explicit
// options, then DATABRICKS_* variables, then one ~/.databrickscfg profile, each attribute
// taken from the first place that sets it. The file is not read at all when no profile is
// named and the command line or the environment already gives a host or a credential
// (sdk-go issue #304: a stale DEFAULT profile must not mix into an explicit setup). Then
// exactly one method must be configured, unless auth_type picks one.
#include "core/databricks_auth.hpp"

#include <array>

#include "core/gateway.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

struct Attribute
{
  std::string value;
  std::string source; // "--workspace", "$DATABRICKS_HOST", "/home/u/.databrickscfg [dev]"
};

using Attributes = std::map<std::string, Attribute>;

struct AttributeSpec
{
  const char* key; // as in .databrickscfg
  const char* env;
};

constexpr std::array<AttributeSpec, 10> k_attributes{{
  {"host", "DATABRICKS_HOST"},
  {"token", "DATABRICKS_TOKEN"},
  {"client_id", "DATABRICKS_CLIENT_ID"},
  {"client_secret", "DATABRICKS_CLIENT_SECRET"},
  {"username", "DATABRICKS_USERNAME"},
  {"password", "DATABRICKS_PASSWORD"},
  {"auth_type", "DATABRICKS_AUTH_TYPE"},
  {"databricks_cli_path", "DATABRICKS_CLI_PATH"},
  {"profile", "DATABRICKS_CONFIG_PROFILE"},
  {"config_file", "DATABRICKS_CONFIG_FILE"},
}};

// The attributes that select an auth method, with the method they select.
constexpr std::array<std::pair<const char*, const char*>, 5> k_auth_attributes{{
  {"token", "pat"},
  {"username", "basic"},
  {"password", "basic"},
  {"client_id", "oauth-m2m"},
  {"client_secret", "oauth-m2m"},
}};

bool
is_secret_key(const std::string& key)
{
  return key == "token" || key == "client_secret" || key == "password";
}

void
set_if_unset(Attributes& attributes, const std::string& key, std::string value,
             std::string source)
{
  if (attributes.contains(key) || value.empty()) {
    return;
  }
  if (is_secret_key(key)) {
    util::register_secret(value);
  }
  attributes[key] = {std::move(value), std::move(source)};
}

Attributes
explicit_and_env(const DatabricksOptions& options, const EnvLookup& env)
{
  Attributes attributes;
  if (options.host) {
    set_if_unset(attributes, "host", *options.host, "--workspace");
  }
  if (options.profile) {
    set_if_unset(attributes, "profile", *options.profile, "--profile");
  }
  if (options.token) {
    set_if_unset(attributes, "token", options.token->reveal(), "the given token");
  }
  if (options.auth_type) {
    set_if_unset(attributes, "auth_type", *options.auth_type, "the auth_type option");
  }
  for (const auto& spec : k_attributes) {
    if (auto value = env(spec.env)) {
      set_if_unset(attributes, spec.key, *value, std::string("$") + spec.env);
    }
  }
  return attributes;
}

bool
any_auth_attribute(const Attributes& attributes)
{
  for (const auto& [key, method] : k_auth_attributes) {
    if (attributes.contains(key)) {
      return true;
    }
  }
  return false;
}

fs::path
config_file_path(const Attributes& attributes, const fs::path& home)
{
  const auto found = attributes.find("config_file");
  if (found == attributes.end()) {
    return home / ".databrickscfg";
  }
  const std::string& path = found->second.value;
  if (path == "~" || path.starts_with("~/")) {
    return home / path.substr(std::min<std::size_t>(path.size(), 2));
  }
  return path;
}

// Fill what is still unset from the profile the file selects.
util::Result<void>
read_config_file(Attributes& attributes, const fs::path& home,
                 std::optional<std::string>& named_profile)
{
  const fs::path path = config_file_path(attributes, home);
  const std::optional<std::string> profile = attributes.contains("profile")
                                               ? std::optional(attributes["profile"].value)
                                               : std::nullopt;
  auto text = util::read_file_if_exists(path);
  AIGW_TRY(text);
  if (!text->has_value()) {
    if (profile) {
      return util::fail(ErrorKind::usage, path.string() + " has no " + *profile
                                            + " profile configured (the file does not exist)");
    }
    return {};
  }

  auto file = parse_databricks_config(**text, path);
  AIGW_TRY(file);
  auto selected = select_profile(*file, profile);
  AIGW_TRY(selected);
  if (!selected->has_value()) {
    return {};
  }
  const ConfigProfile& chosen = **selected;
  if (profile || chosen.name != "DEFAULT") {
    named_profile = chosen.name;
  }
  for (const auto& [key, value] : chosen.values) {
    if (key != "profile" && key != "config_file") {
      set_if_unset(attributes, key, value, path.string() + " [" + chosen.name + "]");
    }
  }
  return {};
}

// "pat and oauth-m2m", in the Go SDK's order of precedence.
std::vector<std::string>
configured_methods(const Attributes& attributes, std::string& sources)
{
  std::vector<std::string> methods;
  for (const auto& [key, method] : k_auth_attributes) {
    const auto found = attributes.find(key);
    if (found == attributes.end()) {
      continue;
    }
    if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
      methods.emplace_back(method);
    }
    sources += (sources.empty() ? "" : ", ") + std::string(key) + " from "
               + found->second.source;
  }
  return methods;
}

util::Result<AuthMethod>
choose_method(const Attributes& attributes)
{
  if (const auto type = attributes.find("auth_type"); type != attributes.end()) {
    const std::string& name = type->second.value;
    if (name == "pat") {
      return AuthMethod::pat;
    }
    if (name == "oauth-m2m") {
      return AuthMethod::oauth_m2m;
    }
    if (name == "databricks-cli") {
      return AuthMethod::databricks_cli;
    }
    return util::fail(ErrorKind::usage, "auth_type \"" + name + "\" (from "
                                          + type->second.source
                                          + ") is not supported; use pat, oauth-m2m or "
                                            "databricks-cli");
  }

  std::string sources;
  const auto methods = configured_methods(attributes, sources);
  if (methods.size() > 1) {
    return util::fail(ErrorKind::usage,
                      "more than one authorization method configured: "
                        + util::join(methods, " and ") + " (" + sources
                        + "); keep one, or choose with auth_type or DATABRICKS_AUTH_TYPE");
  }
  if (methods.empty()) {
    return AuthMethod::databricks_cli;
  }
  if (methods.front() == "basic") {
    return util::fail(ErrorKind::usage, "basic authentication (" + sources
                                          + ") is not supported; use a personal access "
                                            "token, OAuth M2M or `databricks auth login`");
  }
  return methods.front() == "pat" ? AuthMethod::pat : AuthMethod::oauth_m2m;
}

// https:// added when the scheme is missing, and any path or query dropped, as the SDK does.
util::Result<std::string>
normalize_host(const Attribute& host)
{
  std::string url = host.value;
  if (url.find("://") == std::string::npos) {
    url = "https://" + url;
  }
  const std::size_t authority = url.find("://") + 3;
  const std::size_t end = url.find_first_of("/?#", authority);
  if (end != std::string::npos) {
    url.erase(end);
  }
  return normalize_base_url(url, "host (from " + host.source + ")");
}

util::Error
missing(const std::string& what, const std::string& hint)
{
  return {ErrorKind::usage, "no Databricks " + what + ": " + hint};
}

util::Result<void>
fill_credential(DatabricksAuth& auth, const Attributes& attributes)
{
  const auto value = [&](const char* key) -> std::optional<std::string> {
    const auto found = attributes.find(key);
    return found == attributes.end() ? std::nullopt : std::optional(found->second.value);
  };
  switch (auth.method) {
  case AuthMethod::pat:
    if (!value("token")) {
      return util::unexpected(missing("token", "auth_type pat needs DATABRICKS_TOKEN or a "
                                               "token in the profile"));
    }
    auth.token = util::Secret(*value("token"));
    break;
  case AuthMethod::oauth_m2m:
    if (!value("client_id") || !value("client_secret")) {
      return util::unexpected(missing(value("client_id") ? "client_secret" : "client_id",
                                      "oauth-m2m needs both client_id and client_secret "
                                      "(DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET)"));
    }
    auth.client_id = value("client_id");
    auth.client_secret = util::Secret(*value("client_secret"));
    break;
  case AuthMethod::databricks_cli:
    auth.cli_path = value("databricks_cli_path").value_or("databricks");
    break;
  }
  return {};
}

} // namespace

std::string
to_string(AuthMethod method)
{
  switch (method) {
  case AuthMethod::pat:
    return "pat";
  case AuthMethod::oauth_m2m:
    return "oauth-m2m";
  case AuthMethod::databricks_cli:
    return "databricks-cli";
  }
  return "pat";
}

util::Result<DatabricksAuth>
resolve_databricks_auth(const DatabricksOptions& options, const EnvLookup& env,
                        const fs::path& home)
{
  Attributes attributes = explicit_and_env(options, env);

  DatabricksAuth auth;
  const bool skip_file = !attributes.contains("profile")
                         && (attributes.contains("host") || any_auth_attribute(attributes));
  if (!skip_file) {
    AIGW_TRY(read_config_file(attributes, home, auth.profile));
  }

  const auto host = attributes.find("host");
  if (host == attributes.end()) {
    return util::unexpected(missing("workspace", "give --workspace URL, set DATABRICKS_HOST, "
                                                 "or name a ~/.databrickscfg profile with "
                                                 "--profile"));
  }
  auto url = normalize_host(host->second);
  AIGW_TRY(url);
  auth.host = *url;

  auto method = choose_method(attributes);
  AIGW_TRY(method);
  auth.method = *method;
  AIGW_TRY(fill_credential(auth, attributes));
  return auth;
}

TokenCache::TokenCache(std::unique_ptr<TokenSource> source, std::function<SystemTime()> now)
  : m_source(std::move(source)), m_now(std::move(now))
{
}

util::Result<util::Secret>
TokenCache::token()
{
  // Held while fetching: the other threads wait for this fetch instead of starting theirs.
  std::lock_guard lock(m_mutex);
  const bool fresh = m_token
                     && (!m_token->expiry || *m_token->expiry - m_now() > k_refresh_margin);
  if (fresh) {
    return m_token->value;
  }

  auto fetched = m_source->fetch();
  AIGW_TRY(fetched);
  m_token = std::move(*fetched);
  return m_token->value;
}

void
TokenCache::invalidate()
{
  std::lock_guard lock(m_mutex);
  m_token.reset();
}

} // namespace aigw::core
