#!/usr/bin/env bash
# Benchmark: `aigw-setup test` on all four agent routes should take about as long as its
# slowest route, not the sum of them. Three cases against the fake gateway
# (tests/support/fake_gateway_main.cpp): every route answers; one route goes to a listener
# that accepts and never answers, with --timeout N; all four go there. For each, the median
# wall time of 5 runs, next to the slowest route's and the sum of the routes' own times
# (from --json). Writes a Markdown table to stdout; docs/benchmarks.md quotes it. Every
# server is on 127.0.0.1: nothing leaves the machine.
#
#   bash bench/test-routes.sh [build-dir] [N seconds, default 3] > /tmp/bench.md
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
hang="${2:-3}"
binary="$build/aigw-setup"
fake_gateway="$build/tests/aigw_fake_gateway"
for file in "$binary" "$fake_gateway"; do
  [ -x "$file" ] || { echo "build first: bash scripts/build.sh ($file is missing)" >&2; exit 2; }
done
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 2; }

work="$(mktemp -d)"
# On the way out: stop the two servers this script started (by their ids), drop its files.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
runs=5
token="dapi-bench-0123456789abcdef"
printf '%s\n' "$token" >"$work/token"

# The fake gateway prints its URL once it listens.
"$fake_gateway" "$work/token" "$work/requests.jsonl" >"$work/gateway-url" &
# A listener that accepts every connection and never answers; it prints its port.
python3 -c '
import socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(64)
print(server.getsockname()[1], flush=True)
held = []
while True:
    connection, _ = server.accept()
    held.append(connection)
' >"$work/silent-port" &
for _ in $(seq 100); do
  [ -s "$work/gateway-url" ] && [ -s "$work/silent-port" ] && break
  sleep 0.05
done
gateway="$(head -1 "$work/gateway-url")"
silent="http://127.0.0.1:$(head -1 "$work/silent-port")"

# Median wall ms of `runs` runs, then the slowest and summed route times of the last run.
measure() {
  local label="$1"
  shift
  local walls=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    DATABRICKS_TOKEN="$token" "$binary" --home "$work/home" --json test --timeout "$hang" \
      --cursor-model databricks-gpt-5-2 "$@" >"$work/out.json" || true
    end=$(date +%s%N)
    walls+=($(((end - start) / 1000000)))
  done
  python3 - "$label" "$work/out.json" "${walls[@]}" <<'PY'
import json, statistics, sys
label, out, walls = sys.argv[1], sys.argv[2], [int(w) for w in sys.argv[3:]]
routes = json.load(open(out))["routes"]
verdicts = ", ".join(f"{r['route']} {r['verdict']}" for r in routes)
slowest = max(r["ms"] for r in routes)
total = sum(r["ms"] for r in routes)
print(f"| {label} | {verdicts} | {slowest} | {total} | {int(statistics.median(walls))} |")
PY
}

echo "| case | routes | slowest route (ms) | sum of routes (ms) | wall (ms, median of $runs) |"
echo "| --- | --- | --- | --- | --- |"
measure "all four answer" --gateway "$gateway"
measure "codex never answers (--timeout $hang)" --gateway "$gateway" \
  --codex-url "$silent/openai/v1"
measure "none answers (--timeout $hang)" --gateway "$silent"
