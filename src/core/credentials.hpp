// SPDX-License-Identifier: MIT
// The credential the agents' helpers and the relay use: where configure reads a personal
// access token from (never argv), and what the tool keeps so that `aigw-setup token` can
// hand a bearer token to Claude Code's apiKeyHelper and Codex's auth command. A PAT is kept
// in the tool's own credential file (0600, in a 0700 folder) or, with --token-env NAME, only
// as the name of a variable read at run time. An OAuth credential (databricks-cli or
// oauth-m2m) is kept as its method, host and profile only: the databricks CLI keeps its own
// token cache, and a client secret stays where Databricks keeps it (environment or
// ~/.databrickscfg). Each use mints a fresh token from them.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "config/safe_writer.hpp"
#include "core/databricks_auth.hpp"
#include "core/paths.hpp"
#include "util/error.hpp"
#include "util/secret.hpp"

namespace aigw::core {

struct TokenInput
{
  bool from_stdin = false;
  std::optional<std::filesystem::path> file;
  std::optional<std::string> env_name; // --token-env NAME
};

// The token from --token-stdin, --token-file or $DATABRICKS_TOKEN (in that order), or
// from the variable --token-env names. Usage error when none gives one.
util::Result<util::Secret> read_token(const TokenInput& input, std::istream& in,
                                      const EnvLookup& env);

// Check that `raw` can travel in an HTTP header; `source` names where it came from.
util::Result<util::Secret> validate_token(std::string raw, const std::string& source);

struct StoredCredential
{
  std::string auth = "pat"; // pat, databricks-cli or oauth-m2m
  std::optional<util::Secret> token;
  std::optional<std::string> token_env;
  std::optional<std::string> host;        // OAuth: the workspace the tokens are for
  std::optional<std::string> profile;     // OAuth: the ~/.databrickscfg profile, when one
  std::optional<std::string> cli_path;    // databricks-cli: when not `databricks` on PATH
  std::optional<std::string> config_file; // oauth-m2m with a profile: the file it is in
};

// Whether `credential` mints short-lived OAuth tokens (databricks-cli or oauth-m2m).
bool is_oauth(const StoredCredential& credential);

// What to keep of the OAuth credential `auth` resolved to: method, host, profile, and where
// the CLI or the profile's file is; never a token or a client secret. `env` and `home` are
// those the resolution used.
StoredCredential oauth_credential(const DatabricksAuth& auth, const EnvLookup& env,
                                  const std::filesystem::path& home);

// A source of fresh tokens for the OAuth `credential`: `databricks auth token` for the host
// or profile as kept (its DATABRICKS_CLI_PATH from `env` first), or the M2M grant over
// `http` with the client id and secret found again in `env` or the kept profile.
util::Result<std::unique_ptr<TokenSource>> oauth_token_source(const StoredCredential& credential,
                                                              const EnvLookup& env,
                                                              net::HttpClient& http);

// The JSON text of the credential file.
std::string credential_file_text(const StoredCredential& credential);

// Keep `credential` in the credential file of `paths` (0600 in a 0700 folder).
util::Result<void> save_credential(const Paths& paths, const config::SafeWriter& writer,
                                   const StoredCredential& credential);

// The credential file at `file`; a write-kind error when there is none (nothing to print).
util::Result<StoredCredential> load_credential(const std::filesystem::path& file);

// The bearer token `credential` stands for now: the PAT, or a token minted just now.
util::Result<util::Secret> current_token(const StoredCredential& credential,
                                         const EnvLookup& env);

} // namespace aigw::core
