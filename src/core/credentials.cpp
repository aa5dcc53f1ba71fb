// SPDX-License-Identifier: MIT
#include "core/credentials.hpp"

#include <istream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

using util::ErrorKind;

constexpr std::size_t k_max_token_length = 16 * 1024;

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
    return util::fail(ErrorKind::usage, "the token from " + source + " is too long");
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
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return validate_token(std::move(raw), "standard input");
  }
  if (input.file) {
    auto content = util::read_file_if_exists(*input.file);
    AIGW_TRY(content);
    if (!content->has_value()) {
      return util::fail(ErrorKind::usage,
                        "--token-file " + input.file->string() + ": no such file");
    }
    return validate_token(std::move(**content), input.file->string());
  }
  const std::string variable = input.env_name.value_or("DATABRICKS_TOKEN");
  if (auto value = env(variable)) {
    return validate_token(std::move(*value), "$" + variable);
  }
  return util::fail(ErrorKind::usage,
                    "no token: pipe it to --token-stdin, name a file with --token-file, or "
                    "export " + variable);
}

std::string
credential_file_text(const StoredCredential& credential)
{
  nlohmann::ordered_json json;
  json["version"] = 1;
  json["auth"] = credential.auth;
  if (credential.token_env) {
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
                        + " does not exist); run aigw-setup configure --auth pat");
  }
  const auto json = nlohmann::json::parse(**content, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return util::fail(ErrorKind::parse, file.string() + ": not a valid credential file");
  }

  StoredCredential credential;
  credential.auth = json.value("auth", "pat");
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
