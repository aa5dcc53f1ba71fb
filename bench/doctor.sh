#!/usr/bin/env bash
# Benchmark: `doctor --no-network` on a home that `configure --all` set up (the real-world
# fixture home), with no agent on PATH and with three small scripts standing in for the
# agents' `--version` (a real Node agent takes a few hundred milliseconds to start, which
# is its own time, not doctor's). Median and worst of many runs, wall clock from the shell.
# Writes a Markdown table to stdout; the numbers in docs/benchmarks.md come from this
# script. Nothing leaves the machine.
#
#   bash bench/doctor.sh [build-dir] > /tmp/doctor-bench.md
set -euo pipefail
cd "$(dirname "$0")/.."
binary="$(realpath "${1:-build}")/aigw-setup"
[ -x "$binary" ] || { echo "build first: bash scripts/build.sh" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
runs=50

home="$work/home"
cp -r tests/fixtures/homes/real-world "$home"
mkdir -p "$home/project" "$work/bin"
echo "dapi-bench-token-000000" | "$binary" --home "$home" -q configure --all \
  --gateway https://gw.example.com --token-stdin --gemini-trust off --skip-onboarding \
  --cursor-model databricks-gpt-5-2 >/dev/null

fake() { printf '#!/bin/sh\necho "%s"\n' "$2" > "$work/bin/$1"; chmod 755 "$work/bin/$1"; }
fake claude "2.1.230 (Claude Code)"
fake codex "codex-cli 0.171.0"
fake gemini "0.44.0"

# Median and worst wall milliseconds of `runs` runs of the binary with PATH=$1 and the
# arguments after the label.
measure() {
  local path="$1" label="$2" times=()
  shift 2
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    PATH="$path" "$binary" "$@" >/dev/null || true
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000 ))")
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '| %s | %.1f | %.1f |\n' "$label" \
    "$(echo "$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") / 1000" | bc -l)" \
    "$(echo "$(echo "$sorted" | tail -1) / 1000" | bc -l)"
}

doctor=(--home "$home" doctor --no-network --project "$home/project")
echo "| case | median (ms, $runs runs) | worst (ms) |"
echo "| --- | --- | --- |"
measure "/usr/bin:/bin" "aigw-setup --version (start-up alone)" --version
measure "/usr/bin:/bin" "doctor, configured home, no agent on PATH" "${doctor[@]}"
measure "$work/bin:/usr/bin:/bin" "doctor, same, three agents' --version (sh scripts)" \
  "${doctor[@]}"
