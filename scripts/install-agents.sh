#!/usr/bin/env bash
# Install the pinned agent CLIs the end-to-end tests run, from the npm registry, into a
# cache folder outside the repo ($AIGW_AGENT_CACHE, default ~/.cache/aigw-setup/agents).
# Prints the folder holding their executables. Re-runs reuse what is there.
set -euo pipefail

# The versions shared/docs/wire.md observed; bump them together with that page.
agents=(
  "@anthropic-ai/claude-code@2.1.197"
  "@openai/codex@0.171.0"
  "@google/gemini-cli@0.61.0"
)
cache="${AIGW_AGENT_CACHE:-$HOME/.cache/aigw-setup/agents}"
stamp="$cache/.installed"
wanted="$(printf '%s\n' "${agents[@]}")"

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  command -v npm >/dev/null || { echo "install-agents: npm is missing (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$cache"
  echo "installing ${agents[*]} into $cache" >&2
  npm install --no-audit --no-fund --loglevel=error --prefix "$cache" "${agents[@]}" >&2
  printf '%s\n' "$wanted" > "$stamp"
fi
echo "$cache/node_modules/.bin"
