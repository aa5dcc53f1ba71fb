// SPDX-License-Identifier: MIT
// The relay's setup: the listen address (refused unless loopback), the relay file, the
// relay key and the stored credential. The key is compared through SHA-256 digests with
// CRYPTO_memcmp, so neither the position of the first wrong byte nor the length of the
// key shows in the time a refusal takes.
#include "net/relay_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include "core/credentials.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::net {

namespace {

using Json = nlohmann::ordered_json;
using util::ErrorKind;

constexpr std::size_t k_key_bytes = 32;
constexpr std::size_t k_min_key_length = 32;

std::string
lowercase(std::string_view text)
{
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::optional<int>
port_number(std::string_view text)
{
  if (text.empty() || text.size() > 5
      || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const int port = std::stoi(std::string(text));
  return port <= 65535 ? std::optional<int>(port) : std::nullopt;
}

// Host and port text of "HOST:PORT" or "[V6]:PORT"; nullopt when there is no port.
std::optional<std::pair<std::string_view, std::string_view>>
split_host_port(std::string_view text)
{
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return std::nullopt;
    }
    return std::pair{text.substr(0, close + 1), text.substr(close + 2)};
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  return std::pair{text.substr(0, colon), text.substr(colon + 1)};
}

util::Result<std::optional<std::string>>
string_member(const Json& object, const std::string& key, const std::string& where)
{
  if (!object.contains(key)) {
    return std::optional<std::string>{};
  }
  if (!object[key].is_string()) {
    return util::fail(ErrorKind::parse, where + ": \"" + key + "\" must be a string");
  }
  return std::optional<std::string>(object[key].get<std::string>());
}

util::Result<void>
check_keys(const Json& object, const std::set<std::string>& known, const std::string& where)
{
  if (!object.is_object()) {
    return util::fail(ErrorKind::parse, where + ": expected a JSON object");
  }
  for (const auto& [key, value] : object.items()) {
    if (!known.contains(key)) {
      return util::fail(ErrorKind::parse, where + ": unknown key \"" + key + "\"");
    }
  }
  return {};
}

// Read `names` of `object` into the optional strings they pair with.
util::Result<void>
read_members(const Json& object,
             const std::vector<std::pair<std::string, std::optional<std::string>*>>& names,
             const std::string& where)
{
  std::set<std::string> known;
  for (const auto& [name, target] : names) {
    known.insert(name);
  }
  AIGW_TRY(check_keys(object, known, where));
  for (const auto& [name, target] : names) {
    auto value = string_member(object, name, where);
    AIGW_TRY(value);
    *target = std::move(*value);
  }
  return {};
}

util::Result<RelayFile>
relay_from_json(const Json& json, const std::string& where)
{
  if (!json.is_object()) {
    return util::fail(ErrorKind::parse, where + ": expected a JSON object");
  }
  RelayFile relay;
  auto& routes = relay.routes;
  Json top = json;
  const Json route_urls = top.contains("routes") ? top["routes"] : Json::object();
  const Json tables = top.contains("tables") ? top["tables"] : Json::object();
  top.erase("routes");
  top.erase("tables");

  AIGW_TRY(read_members(top,
                        {{"listen", &relay.listen},
                         {"gateway", &routes.gateway},
                         {"workspace", &routes.workspace}},
                        where));
  AIGW_TRY(read_members(route_urls,
                        {{"claude", &routes.claude_url},
                         {"codex", &routes.codex_url},
                         {"gemini", &routes.gemini_url},
                         {"cursor", &routes.cursor_url}},
                        where + " routes"));
  AIGW_TRY(read_members(tables,
                        {{"metrics", &relay.tables.metrics},
                         {"logs", &relay.tables.logs},
                         {"traces", &relay.tables.traces}},
                        where + " tables"));
  return relay;
}

void
put(Json& object, const char* key, const std::optional<std::string>& value)
{
  if (value) {
    object[key] = *value;
  }
}

void
warn_if_shared(const std::filesystem::path& file)
{
  const auto stat = util::stat_file(file);
  if (stat && (stat->mode & 077) != 0) {
    AIGW_WARN("the relay key " << file.string()
                               << " can be read by other users; run: chmod 600 "
                               << file.string());
  }
}

bool
printable(std::string_view text)
{
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f;
  });
}

} // namespace

util::Result<ListenAddress>
parse_listen(std::string_view text, std::string_view option)
{
  const auto bad = [text, option](const std::string& why) {
    return util::fail(ErrorKind::usage,
                      std::string(option) + " \"" + std::string(text) + "\": " + why);
  };
  const auto parts = split_host_port(text);
  if (!parts) {
    return bad("expected HOST:PORT, e.g. 127.0.0.1:8765");
  }
  const auto port = port_number(parts->second);
  if (!port) {
    return bad("the port must be a number from 0 to 65535");
  }

  const std::string host = lowercase(parts->first);
  if (!core::is_loopback_host(host)) {
    return bad("the relay listens on loopback only (127.0.0.1, [::1] or localhost), since it "
               "holds your credential");
  }
  // Bind a literal address: no name is looked up, and "localhost" cannot mean two things.
  if (host == "localhost") {
    return ListenAddress{"127.0.0.1", *port};
  }
  if (host == "[::1]") {
    return ListenAddress{"::1", *port};
  }
  return ListenAddress{host, *port};
}

std::string
to_string(const ListenAddress& address)
{
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

util::Result<std::optional<RelayFile>>
load_relay_file(const std::filesystem::path& file)
{
  auto content = util::read_file_if_exists(file);
  AIGW_TRY(content);
  if (!content->has_value()) {
    return std::optional<RelayFile>{};
  }
  const Json json = Json::parse(**content, nullptr, false);
  if (json.is_discarded()) {
    return util::fail(ErrorKind::parse, file.string() + ": not valid JSON");
  }
  auto relay = relay_from_json(json, file.string());
  AIGW_TRY(relay);
  return std::optional<RelayFile>(std::move(*relay));
}

std::string
relay_file_text(const RelayFile& relay)
{
  Json json = Json::object();
  put(json, "listen", relay.listen);
  put(json, "gateway", relay.routes.gateway);
  put(json, "workspace", relay.routes.workspace);
  Json routes = Json::object();
  put(routes, "claude", relay.routes.claude_url);
  put(routes, "codex", relay.routes.codex_url);
  put(routes, "gemini", relay.routes.gemini_url);
  put(routes, "cursor", relay.routes.cursor_url);
  Json tables = Json::object();
  put(tables, "metrics", relay.tables.metrics);
  put(tables, "logs", relay.tables.logs);
  put(tables, "traces", relay.tables.traces);
  if (!routes.empty()) {
    json["routes"] = routes;
  }
  if (!tables.empty()) {
    json["tables"] = tables;
  }
  return json.dump(2) + "\n";
}

util::Result<util::Secret>
load_or_create_relay_key(const std::filesystem::path& file, const config::SafeWriter& writer)
{
  auto content = util::read_file_if_exists(file);
  AIGW_TRY(content);
  if (content->has_value()) {
    warn_if_shared(file);
    const std::string key(util::trim(**content));
    if (key.size() < k_min_key_length || !printable(key)) {
      return util::fail(ErrorKind::parse,
                        file.string() + ": not a relay key (at least 32 printable characters "
                                        "expected); delete the file to make a new key");
    }
    return util::Secret(key);
  }

  std::array<unsigned char, k_key_bytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return util::fail(ErrorKind::failed, "no random bytes could be had for a new relay key");
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string key;
  for (const unsigned char byte : bytes) {
    key += k_hex[byte >> 4];
    key += k_hex[byte & 0x0f];
  }
  util::Secret secret(key);
  AIGW_TRY(writer.write(file, key + "\n", config::Sensitivity::secret, config::Backup::skip));
  AIGW_INFO("created a new relay key in " << file.string());
  return secret;
}

// The bytes are compared in constant time; only the length can show in the timing, and a
// generated key's length is no secret (64 hex digits). Hashing both sides first hid that too,
// at the price of two SHA-256 runs on every request.
bool
same_key(std::string_view presented, const util::Secret& key)
{
  const std::string_view expected = key.reveal();
  return !expected.empty() && presented.size() == expected.size()
         && CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

std::optional<util::Secret>
fresh_token(CredentialSource& source, const util::Secret& refused)
{
  if (!source.renewable()) {
    return std::nullopt;
  }
  source.forget(refused);
  auto fresh = source.bearer();
  if (!fresh) {
    AIGW_WARN("no fresh token after a refused one: " << util::redact(fresh.error().message));
    return std::nullopt;
  }
  return std::move(*fresh);
}

StoredCredentialSource::StoredCredentialSource(std::filesystem::path file, core::EnvLookup env,
                                               std::shared_ptr<HttpClient> http)
  : m_file(std::move(file)), m_env(std::move(env)), m_http(std::move(http))
{
}

namespace {

// What changes whenever the file is replaced or written: device, inode, size, and the
// modification and change times (a copy can set the first back; nothing sets the second).
// None when the file cannot be looked at; then it is read every time, and says why not.
std::optional<FileStamp>
file_stamp(const std::filesystem::path& file)
{
  struct stat status{};
  if (::stat(file.c_str(), &status) != 0) {
    return std::nullopt;
  }
  FileStamp stamp;
  stamp.device = static_cast<std::uint64_t>(status.st_dev);
  stamp.inode = static_cast<std::uint64_t>(status.st_ino);
  stamp.size = static_cast<std::int64_t>(status.st_size);
  stamp.modified_s = static_cast<std::int64_t>(status.st_mtim.tv_sec);
  stamp.modified_ns = static_cast<std::int64_t>(status.st_mtim.tv_nsec);
  stamp.changed_s = static_cast<std::int64_t>(status.st_ctim.tv_sec);
  stamp.changed_ns = static_cast<std::int64_t>(status.st_ctim.tv_nsec);
  return stamp;
}

} // namespace

util::Result<core::StoredCredential>
StoredCredentialSource::credential()
{
  const std::optional<FileStamp> stamp = file_stamp(m_file);
  const std::lock_guard lock(m_mutex);
  if (stamp && stamp == m_file_stamp && m_loaded) {
    return *m_loaded;
  }
  auto loaded = core::load_credential(m_file);
  AIGW_TRY(loaded);
  m_file_stamp = stamp;
  m_loaded = *loaded;
  return loaded;
}

util::Result<util::Secret>
StoredCredentialSource::bearer()
{
  auto credential = this->credential();
  AIGW_TRY(credential);
  m_renewable = core::is_oauth(*credential);
  if (!m_renewable) {
    return core::current_token(*credential, m_env);
  }
  auto cache = cache_for(*credential);
  AIGW_TRY(cache);
  return (*cache)->token();
}

void
StoredCredentialSource::forget(const util::Secret& refused)
{
  const auto cache = current_cache();
  if (!cache) {
    return;
  }
  // Another request may have had the refused token replaced already: keep the new one.
  auto held = cache->token();
  if (held && held->reveal() == refused.reveal()) {
    AIGW_INFO("the gateway refused the relay's OAuth token; fetching a new one");
    cache->invalidate();
  }
}

util::Result<std::shared_ptr<core::TokenCache>>
StoredCredentialSource::cache_for(const core::StoredCredential& credential)
{
  // The file holds no secret for an OAuth credential: its text tells whether it changed.
  const std::string text = core::credential_file_text(credential);
  const std::lock_guard lock(m_mutex);
  if (m_cache && m_cached_for == text) {
    return m_cache;
  }
  if (!m_http) {
    m_http = make_curl_client();
  }
  auto source = core::oauth_token_source(credential, m_env, *m_http);
  AIGW_TRY(source);
  m_cache = std::make_shared<core::TokenCache>(std::move(*source));
  m_cached_for = text;
  return m_cache;
}

std::shared_ptr<core::TokenCache>
StoredCredentialSource::current_cache()
{
  const std::lock_guard lock(m_mutex);
  return m_cache;
}

} // namespace aigw::net
