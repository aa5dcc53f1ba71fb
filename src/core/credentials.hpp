// SPDX-License-Identifier: MIT
// The personal access token: where configure reads it from (never argv), and where the
// tool keeps it so that `aigw-setup token` can hand it to Claude Code's apiKeyHelper and
// Codex's auth command. Kept either in the tool's own credential file (0600, in a 0700
// folder) or, with --token-env NAME, only as the name of a variable read at run time.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "config/safe_writer.hpp"
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
  std::string auth = "pat";
  std::optional<util::Secret> token;
  std::optional<std::string> token_env;
};

// The JSON text of the credential file.
std::string credential_file_text(const StoredCredential& credential);

// Keep `credential` in the credential file of `paths` (0600 in a 0700 folder).
util::Result<void> save_credential(const Paths& paths, const config::SafeWriter& writer,
                                   const StoredCredential& credential);

// The credential file at `file`; a write-kind error when there is none (nothing to print).
util::Result<StoredCredential> load_credential(const std::filesystem::path& file);

// The bearer token `credential` stands for now.
util::Result<util::Secret> current_token(const StoredCredential& credential,
                                         const EnvLookup& env);

} // namespace aigw::core
