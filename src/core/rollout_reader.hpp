// SPDX-License-Identifier: MIT
// Typed reads from the YAML of a rollout file, for rollout.cpp alone (yaml-cpp stays out of
// every other header). Each read names FILE:LINE:COLUMN (yaml-cpp counts from 0, people
// from 1), the key path and what is wrong: an unknown key with the closest known one, the
// type expected and the type found, an unset variable, a value that looks like a token.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/paths.hpp"
#include "util/error.hpp"

namespace aigw::core {

// One value of the file, with its key, the key's mark and its dotted path ("auth.method").
struct RolloutField
{
  YAML::Node value;
  YAML::Mark key_mark;
  std::string path;
  std::string key; // "method"; empty for the top level and list items
};

class RolloutReader
{
public:
  RolloutReader(std::string file, EnvLookup env) : m_file(std::move(file)), m_env(std::move(env)) {}

  // A usage error "FILE:LINE:COLUMN: `path`: `cause`" at `mark`.
  util::Error error_at(const YAML::Mark& mark, const std::string& path,
                       const std::string& cause) const;

  // The same at `field`: its value, or its key when the value is empty.
  util::Error error_at(const RolloutField& field, const std::string& cause) const;

  // Check that `map` is a mapping whose keys are plain and unique, and among `allowed`
  // unless that is empty. A key named like a credential is refused as such.
  util::Result<void> check_keys(const RolloutField& map,
                                const std::vector<std::string>& allowed) const;

  // The value under `key` of the (checked) mapping `map`, if the key is there.
  std::optional<RolloutField> find(const RolloutField& map, const std::string& key) const;

  // Every key and value of the (checked) mapping `map`, in file order.
  std::vector<RolloutField> entries(const RolloutField& map) const;

  // A scalar as text, "${NAME}" taken from the environment.
  util::Result<std::string> text(const RolloutField& field) const;

  // true or false (any case), unquoted or from the environment.
  util::Result<bool> boolean(const RolloutField& field) const;

  // A whole number, unquoted or from the environment.
  util::Result<int> number(const RolloutField& field) const;

  // Every element of the list `list` (none when it is not a list).
  std::vector<RolloutField> items(const RolloutField& list) const;

  // A list of scalars, each as text().
  util::Result<std::vector<std::string>> texts(const RolloutField& field) const;

  // Fail unless `field` is a mapping (an empty value counts as an empty mapping).
  util::Result<void> expect_mapping(const RolloutField& field) const;

  // One of `choices`, as text.
  util::Result<std::string> one_of(const RolloutField& field,
                                   const std::vector<std::string>& choices) const;

  // A base URL, checked and normalised as --gateway is (https except on loopback).
  util::Result<std::string> url(const RolloutField& field) const;

  // The failure error_at(field, cause) describes.
  util::Unexpected<util::Error> fail(const RolloutField& field, const std::string& cause) const;

  // A failure at the key of `field` (error_at(field, ...) points at its value).
  util::Unexpected<util::Error> fail_at_key(const RolloutField& field,
                                            const std::string& cause) const;

  // A failure at `field` whose `message` names the key itself (a shared check's message).
  util::Unexpected<util::Error> fail_placed(const RolloutField& field,
                                            const std::string& message) const;

  // The failure "`key` of `map` is missing; `hint`", at the mapping.
  util::Unexpected<util::Error> missing(const RolloutField& map, const std::string& key,
                                        const std::string& hint) const;

private:
  struct Scalar
  {
    std::string text;
    bool plain = true; // unquoted in the file, or from the environment
  };

  static std::string type_of(const Scalar& value);
  util::Result<Scalar> scalar(const RolloutField& field, const char* expected) const;
  util::Result<std::string> expand(const RolloutField& field, const std::string& raw) const;

  std::string m_file;
  EnvLookup m_env;
};

// Read the value under `key` of `map` into `target` with `read`, if the key is there.
template <class T, class Read>
util::Result<void>
read_optional(const RolloutReader& reader, const RolloutField& map, const std::string& key,
              std::optional<T>& target, Read read)
{
  if (auto field = reader.find(map, key)) {
    auto value = read(*field);
    AIGW_TRY(value);
    target = std::move(*value);
  }
  return {};
}

// `message` without `prefix` (the option a shared check starts its message with).
std::string without_prefix(const std::string& message, const std::string& prefix);

// The element of `candidates` closest to `word` when it is a likely typo of it.
std::optional<std::string> closest_match(const std::string& word,
                                         const std::vector<std::string>& candidates);

// Whether `name` can name an environment variable: letters, digits and _, no digit first.
bool is_variable_name(const std::string& name);

// Whether `value` has the shape of a Databricks token, an OAuth secret or a bearer JWT.
bool looks_like_token(const std::string& value);

// The sections of the schema that rollout_sections.cpp reads: `agents` (under `root`) and
// the `telemetry` mapping.
struct Rollout;
util::Result<void> read_agents(const RolloutReader& reader, const RolloutField& root,
                               Rollout& rollout);
util::Result<void> read_telemetry(const RolloutReader& reader, const RolloutField& map,
                                  Rollout& rollout);

} // namespace aigw::core
