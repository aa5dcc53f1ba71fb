// SPDX-License-Identifier: MIT
// What the relay is set up with: where it listens (loopback only), the local relay key the
// agents must present, the real credential it puts on forwarded requests, and the relay
// file <tool_dir>/relay.json that `configure --auth relay` writes so that a bare
// `aigw-setup relay` knows its gateway. The file's format:
//
//   {"listen": "127.0.0.1:8765",
//    "gateway": "https://gw.example.com",          (or "workspace", or both)
//    "workspace": "https://adb-1.azuredatabricks.net",
//    "routes": {"claude": URL, "codex": URL, "gemini": URL, "cursor": URL},
//    "tables": {"metrics": "c.s.t", "logs": "c.s.t", "traces": "c.s.t"}}
//
// Every key is optional; unknown keys are refused so that a typo is not silently ignored.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/safe_writer.hpp"
#include "core/credentials.hpp"
#include "core/databricks_auth.hpp"
#include "core/gateway.hpp"
#include "core/paths.hpp"
#include "net/http.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"

namespace aigw::net {

inline constexpr const char* k_default_listen = "127.0.0.1:8765";

// A loopback address to bind: host is a literal ("127.0.0.1" or "::1"), never a name.
struct ListenAddress
{
  std::string host;
  int port = 0;
};

// Parse "127.0.0.1:PORT", "localhost:PORT" or "[::1]:PORT" (PORT 0: any free port). Any
// other host is a usage error naming `option`, where the user gave `text` (`--listen`,
// `--relay` or a file's key): the relay holds a credential and must not be reachable from
// another machine.
util::Result<ListenAddress> parse_listen(std::string_view text, std::string_view option);

// "127.0.0.1:8765" or "[::1]:8765".
std::string to_string(const ListenAddress& address);

// The Unity Catalog table each OTel signal goes to, added as X-Databricks-UC-Table-Name
// when the agent did not send one.
struct RelayTables
{
  std::optional<std::string> metrics;
  std::optional<std::string> logs;
  std::optional<std::string> traces;
};

struct RelayFile
{
  std::optional<std::string> listen;
  core::RouteOptions routes; // gateway, workspace and the per-agent URLs
  RelayTables tables;
};

// The relay file at `file`; nullopt when there is none. A damaged file is a parse error
// naming the file and what is wrong.
util::Result<std::optional<RelayFile>> load_relay_file(const std::filesystem::path& file);

// The JSON text of `relay` (keys that are not set are left out).
std::string relay_file_text(const RelayFile& relay);

inline std::filesystem::path
relay_file_path(const core::Paths& paths)
{
  return paths.tool_dir / "relay.json";
}

inline std::filesystem::path
default_key_file(const core::Paths& paths)
{
  return paths.tool_dir / "relay.key";
}

// The relay key kept in `file`; when there is none, 32 random bytes hex-encoded are
// written there first (0600, through `writer`).
util::Result<util::Secret> load_or_create_relay_key(const std::filesystem::path& file,
                                                    const config::SafeWriter& writer);

// Whether `presented` is `key`, in time that does not depend on where they differ.
bool same_key(std::string_view presented, const util::Secret& key);

// Where the relay gets the real credential for each forwarded request.
class CredentialSource
{
public:
  virtual ~CredentialSource() = default;
  virtual util::Result<util::Secret> bearer() = 0;

  // Whether forget() can make bearer() give another token: true for OAuth tokens, which are
  // minted anew; a PAT stays what it is, and sending it again would only be refused again.
  virtual bool renewable() const { return false; }

  // The upstream refused `refused` (401, or the gateway's 400 "Invalid Token"): drop it if
  // it is still the one held, so that the next bearer() fetches a new one.
  virtual void forget(const util::Secret& refused) { static_cast<void>(refused); }
};

// A fresh token from `source` in place of `refused`, which an upstream did not take; nullopt
// when the source cannot give another (a PAT) or fails to (said in a warning). The OTel
// forwarding and the spool's flush use it; the model routes have their own retry.
std::optional<util::Secret> fresh_token(CredentialSource& source, const util::Secret& refused);

// What stat(2) says of a file that changes when it is rewritten.
struct FileStamp
{
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t modified_s = 0;
  std::int64_t modified_ns = 0;
  std::int64_t changed_s = 0;
  std::int64_t changed_ns = 0;

  bool operator==(const FileStamp&) const = default;
};

// The credential `configure` keeps in the tool's credential file, read again on every call
// so that a new one is picked up. A PAT (or the name of the variable holding it) is used as
// it is; an OAuth credential (databricks-cli or oauth-m2m) through a core::TokenCache, which
// fetches a new token 5 minutes before the last one expires, one fetch at a time. `http`
// carries the OAuth M2M grant (a curl client is made when it is needed and none is given).
class StoredCredentialSource : public CredentialSource
{
public:
  StoredCredentialSource(std::filesystem::path file, core::EnvLookup env,
                         std::shared_ptr<HttpClient> http = nullptr);

  util::Result<util::Secret> bearer() override;
  bool renewable() const override { return m_renewable; }
  void forget(const util::Secret& refused) override;

private:
  util::Result<core::StoredCredential> credential();
  util::Result<std::shared_ptr<core::TokenCache>> cache_for(
    const core::StoredCredential& credential);
  std::shared_ptr<core::TokenCache> current_cache();

  std::filesystem::path m_file;
  core::EnvLookup m_env;
  std::shared_ptr<HttpClient> m_http;
  std::atomic<bool> m_renewable{false};

  std::mutex m_mutex;
  // The credential file as last read, and the stat stamp it had then: a request re-reads
  // it only when it changed (configure rotated the token), not on every request.
  std::optional<FileStamp> m_file_stamp;
  std::optional<core::StoredCredential> m_loaded;
  std::string m_cached_for; // the credential file text the cache was made for
  std::shared_ptr<core::TokenCache> m_cache;
};

} // namespace aigw::net
