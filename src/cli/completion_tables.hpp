// SPDX-License-Identifier: MIT
// What the three completion scripts share, derived once from the command model: how to
// find the command being typed in the words so far (which words name a subcommand, which
// options eat the next word), and what completes at each command. Each script only puts
// these tables into its shell's syntax.
#pragma once

#include <string>
#include <vector>

#include "cli/cli_model.hpp"

namespace aigw::cli {

// A command path and a word typed under it, as the scripts match them: "relay|flush".
// A global option (the root's) matches under every path: `*|--home`.
struct WordKey
{
  std::string path;
  std::string word;
  bool any_path = false;
};

struct Candidate
{
  std::string word;
  std::string help;
};

struct ValueChoices
{
  WordKey option;
  std::vector<std::string> choices;
};

// What may be typed at one command: its options (the global ones included, since they are
// accepted after any command) and its arguments (subcommands, then positional choices).
struct CommandCandidates
{
  std::string path;
  std::vector<Candidate> options;
  std::vector<Candidate> arguments;
};

struct CompletionTables
{
  std::vector<WordKey> commands;           // a word that moves into a subcommand
  std::vector<WordKey> value_options;      // an option whose value is the next word
  std::vector<ValueChoices> choices;       // an option's value from a fixed set
  std::vector<WordKey> free_values;        // an option with any value (files, URLs, ...)
  std::vector<CommandCandidates> per_path; // root first, then depth first
};

// The tables for `root`. Subcommands' entries come before the global ones, so that a
// subcommand's own option of the same name wins in a first-match `case`.
CompletionTables completion_tables(const CommandModel& root);

// `key` as a case pattern whose literal parts are quoted with `quote`.
std::string case_pattern(const WordKey& key, char quote);

// The case patterns of `keys` joined with `separator` ("|" for sh, " " for fish).
std::string case_patterns(const std::vector<WordKey>& keys, char quote,
                          const std::string& separator);

// The words of `candidates`, space separated.
std::string words_of(const std::vector<Candidate>& candidates);

// The script's header comment: what made it and that it is not edited by hand.
std::string generated_header(const std::string& shell, const std::string& program);

} // namespace aigw::cli
