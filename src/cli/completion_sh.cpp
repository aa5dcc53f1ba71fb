// SPDX-License-Identifier: MIT
// The bash and zsh completion scripts. Both find the command being typed the same way:
// walk the words before the cursor, step into a subcommand when a word names one, and
// skip the word after an option that takes a value. Then the word before the cursor says
// whether a value is wanted (from a fixed set, or a file name), and otherwise the command
// says which options or arguments fit. bash-style `case` patterns are valid zsh too.
#include <algorithm>

#include "cli/completion.hpp"
#include "cli/completion_tables.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

// One `case` branch, `indent` deep, whose patterns go one per line, joined with `|` and a
// line continuation.
std::string
case_branch(const std::vector<std::string>& patterns, const std::string& body,
            const std::string& indent = "    ")
{
  if (patterns.empty()) {
    return {};
  }
  std::string branch = indent;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    branch += patterns[i] + (i + 1 < patterns.size() ? " | \\\n" + indent : std::string(")"));
  }
  return branch + "\n" + indent + "  " + body + "\n" + indent + "  ;;\n";
}

std::vector<std::string>
quoted_patterns(const std::vector<WordKey>& keys)
{
  std::vector<std::string> patterns;
  for (const auto& key : keys) {
    patterns.push_back(case_pattern(key, '"'));
  }
  return patterns;
}

std::string
function_name(const CommandModel& root)
{
  std::string name = "_" + root.name;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// The loop that leaves the command being typed in $cmd, over `words` from `first` on.
std::string
command_walk(const CompletionTables& tables, const std::string& words, int first,
             const std::string& end)
{
  return "  # The command being typed: the subcommands named so far, skipping option values.\n"
         "  local cmd=\"\" word i\n"
         "  for ((i = " + std::to_string(first) + "; i < " + end + "; i++)); do\n"
         "    word=${" + words + "[i]}\n"
         "    case \"$cmd|$word\" in\n"
         + case_branch(quoted_patterns(tables.value_options), "i=$((i + 1))", "      ")
         + case_branch(quoted_patterns(tables.commands), "cmd=${cmd:+$cmd }$word", "      ")
         + "    esac\n"
           "  done\n";
}

// A `case "$cmd" in` over every command, with `line(candidates)` as each branch's body.
template <class Line>
std::string
per_command(const CompletionTables& tables, bool options, const Line& line)
{
  std::string text = "    case \"$cmd\" in\n";
  for (const auto& command : tables.per_path) {
    const auto& candidates = options ? command.options : command.arguments;
    if (!candidates.empty()) {
      text += "      \"" + command.path + "\") " + line(candidates) + " ;;\n";
    }
  }
  return text + "    esac\n";
}

// The `case` on the word before the cursor that completes an option's value:
// `complete(words)` offers a fixed set of words, `free` handles a value that may be anything.
template <class Complete>
std::string
value_case(const CompletionTables& tables, const Complete& complete, const std::string& free)
{
  std::string text = "  case \"$cmd|$prev\" in\n";
  for (const auto& [option, choices] : tables.choices) {
    text += case_branch({case_pattern(option, '"')},
                        complete(util::join(choices, " ")) + "\n      return");
  }
  text += case_branch(quoted_patterns(tables.free_values), free);
  return text + "  esac\n";
}

std::string
zsh_describe(const std::vector<Candidate>& candidates)
{
  std::string items = "items=(";
  for (const auto& candidate : candidates) {
    std::string word = candidate.word;
    for (std::size_t at = word.find(':'); at != std::string::npos; at = word.find(':', at + 2)) {
      word.insert(at, "\\");
    }
    items += (items.back() == '(' ? "" : " ") + util::shell_quote(word + ":" + candidate.help);
  }
  return items + ")";
}

std::string
bash_compgen(const std::string& words)
{
  return "COMPREPLY=($(compgen -W \"" + words + "\" -- \"$cur\"))";
}

} // namespace

std::string
bash_completion(const CommandModel& root)
{
  const CompletionTables tables = completion_tables(root);
  const auto words = [](const std::vector<Candidate>& list) {
    return "words=\"" + words_of(list) + "\"";
  };
  return generated_header("bash", root.name) + "\n" + function_name(root)
         + "()\n{\n"
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "  # readline splits --option=value at \"=\": complete the value of that option.\n"
           "  [[ $cur == = ]] && cur=\"\"\n"
           "  [[ $prev == = && $COMP_CWORD -gt 1 ]] && prev=${COMP_WORDS[COMP_CWORD-2]}\n\n"
         + command_walk(tables, "COMP_WORDS", 1, "COMP_CWORD") + "\n  COMPREPLY=()\n"
         // Nothing offered for a free value: `complete -o default` falls back to file names.
         + value_case(tables, bash_compgen, "return")
         + "\n  local words=\"\"\n  if [[ $cur == -* ]]; then\n"
         + per_command(tables, true, words) + "  else\n" + per_command(tables, false, words)
         + "  fi\n  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n\n"
           "complete -o default -F " + function_name(root) + " " + root.name + "\n";
}

std::string
zsh_completion(const CommandModel& root)
{
  const CompletionTables tables = completion_tables(root);
  const std::string function = function_name(root);
  return "#compdef " + root.name + "\n" + generated_header("zsh", root.name) + "\n" + function
         + "()\n{\n"
           "  local cur=${words[CURRENT]} prev=${words[CURRENT-1]}\n"
           "  # --option=value: complete the value after the \"=\".\n"
           "  if [[ $cur == -*=* ]]; then\n"
           "    prev=${cur%%=*}\n"
           "    compset -P '*='\n"
           "  fi\n\n"
         + command_walk(tables, "words", 2, "CURRENT") + "\n"
         + value_case(
           tables, [](const std::string& words) { return "compadd -- " + words; },
           "_files\n      return")
         + "\n  local -a items\n  if [[ $cur == -* ]]; then\n"
         + per_command(tables, true, zsh_describe)
         + "    _describe -t options option items\n  else\n"
         + per_command(tables, false, zsh_describe)
         + "    _describe -t arguments argument items\n  fi\n}\n\n"
           "# Autoloaded from fpath as _" + root.name + ", or sourced: register it.\n"
           "if [[ ${funcstack[1]} == _" + root.name + " ]]; then\n"
           "  " + function + " \"$@\"\nelse\n  compdef " + function + " " + root.name
         + "\nfi\n";
}

} // namespace aigw::cli
