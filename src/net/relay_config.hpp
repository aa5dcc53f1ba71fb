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

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/safe_writer.hpp"
#include "core/gateway.hpp"
#include "core/paths.hpp"
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
// other host is a usage error: the relay holds a credential and must not be reachable
// from another machine.
util::Result<ListenAddress> parse_listen(std::string_view text);

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
};

// The credential `configure` keeps in the tool's credential file (a PAT, or the name of
// the variable holding it), read again on every call so that a new token is picked up.
// TODO(#5): OAuth tokens from `databricks auth token`, refreshed before they expire.
class StoredCredentialSource : public CredentialSource
{
public:
  StoredCredentialSource(std::filesystem::path file, core::EnvLookup env)
    : m_file(std::move(file)), m_env(std::move(env))
  {
  }

  util::Result<util::Secret> bearer() override;

private:
  std::filesystem::path m_file;
  core::EnvLookup m_env;
};

} // namespace aigw::net
