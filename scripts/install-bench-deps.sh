#!/usr/bin/env bash
# Install what bench/relay.sh measures with and compares against: the load generator (wrk),
# the reverse proxy (nginx) and claude-code-router from npm, pinned, into a cache folder
# outside the repo (~/.cache/aigw-setup/bench). Kept apart from install-deps.sh because no
# test needs any of it. Runs as root (or through sudo) on Debian 12; only what is missing
# is installed.
#
#   bash scripts/install-bench-deps.sh
set -euo pipefail

# 3.1.1, the newest, needs @the-next-ai/ai-gateway, which the npm registry does not have.
ccr_version="1.0.73"
cache="${AIGW_BENCH_CACHE:-$HOME/.cache/aigw-setup/bench}"

# nginx is in /usr/sbin, which a user's PATH may lack.
PATH="$PATH:/usr/sbin"

# Debian package for each command the benchmark runs.
declare -A package_of=([wrk]=wrk [nginx]=nginx [pgrep]=procps [bc]=bc [npm]=npm)
wanted=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || wanted+=("${package_of[$tool]}")
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if (( ${#wanted[@]} > 0 )); then
  echo "installing from Debian: ${wanted[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${wanted[@]}" >/dev/null
  # The package may start nginx on port 80; the benchmark runs its own on a free port.
  if command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

# A pinned version in its own prefix, so that the benchmark never picks up a global one.
if [ ! -f "$cache/node_modules/@musistudio/claude-code-router/dist/cli.js" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
    "@musistudio/claude-code-router@$ccr_version" >/dev/null
fi
