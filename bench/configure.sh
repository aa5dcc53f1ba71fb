#!/usr/bin/env bash
# Benchmark: `configure --all` on homes of ordinary size, and with ~/.claude.json grown to
# 5, 10, 25 and 50 MB, reporting wall time and peak memory (GNU time). The sizes show
# whether the cost grows linearly with the file. Writes a Markdown table to stdout; the
# numbers in docs/benchmarks.md come from this script. Nothing leaves the machine.
#
#   bash bench/configure.sh [build-dir] > /tmp/bench.md
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-build}/aigw-setup"
[ -x "$binary" ] || { echo "build first: bash scripts/build.sh" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
runs=5

# A ~/.claude.json of about `mb` megabytes, shaped like a long-used one: many projects.
make_claude_state() {
  local mb="$1" out="$2"
  python3 - "$mb" "$out" <<'PY'
import json, sys
target = int(float(sys.argv[1]) * 1024 * 1024)
state = {"numStartups": 412, "theme": "dark", "projects": {}}
size, i = 0, 0
while size < target:
    project = {
        "allowedTools": ["Bash(npm test)", "Read"],
        "history": [{"display": "fix the flaky test in module %d" % i, "pastedContents": {}}],
        "hasTrustDialogAccepted": True, "lastCost": 0.1234, "lastSessionId": "%032x" % i,
    }
    key = "/home/u/src/project-%d" % i
    state["projects"][key] = project
    size += len(json.dumps({key: project}, indent=2)) + 4 * 3
    i += 1
open(sys.argv[2], "w").write(json.dumps(state, indent=2) + "\n")
PY
}

fresh_home() {
  local home="$1"
  rm -rf "$home"
  cp -r tests/fixtures/homes/real-world "$home"
}

# Median wall seconds and peak RSS (MB) of `runs` runs of configure on a fresh copy.
measure() {
  local home="$1" state="$2" label="$3"
  local walls=() rss=()
  for _ in $(seq "$runs"); do
    fresh_home "$home"
    [ -n "$state" ] && cp "$state" "$home/.claude.json"
    /usr/bin/time -f "%e %M" -o "$work/time" \
      "$binary" --home "$home" -q configure --all --gateway https://gw.example.com \
      --token-file "$work/token" --gemini-trust off --skip-onboarding >/dev/null
    read -r wall kb < "$work/time"
    walls+=("$wall"); rss+=("$kb")
  done
  local size=0
  [ -n "$state" ] && size=$(stat -c %s "$state")
  printf '| %s | %.1f | %s | %s |\n' "$label" "$(echo "$size/1048576" | bc -l)" \
    "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")" \
    "$(( $(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p") / 1024 ))"
}

echo "dapi-bench-token-000000" > "$work/token"
echo "| case | ~/.claude.json (MB) | wall (s, median of $runs) | peak RSS (MB) |"
echo "| --- | --- | --- | --- |"
measure "$work/home" "" "real-world home, no ~/.claude.json"
for mb in 5 10 25 50; do
  make_claude_state "$mb" "$work/claude-$mb.json"
  measure "$work/home" "$work/claude-$mb.json" "~/.claude.json of $mb MB"
done
