#!/usr/bin/env bash
# Benchmark: CPU time per request, the relay against nginx, both in front of the same local
# upstream (bench/relay_upstream.cpp), at 64 connections with wrk. Throughput on a shared
# 2-core machine follows from how much CPU each proxy spends on a request, so this is the
# number to move; the upstream's own cost (a cpp-httplib server, as the relay is) is shown
# for scale. CPU is utime + stime from /proc/<pid>/stat (nginx: master and workers), over
# the requests wrk completed; context switches are the relay's threads' own counts.
# Loopback only, free ports; everything it starts is stopped at the end. Needs
# scripts/install-bench-deps.sh first.
#
#   bash bench/relay-cpu.sh [build-dir]          (BENCH_SECONDS=5 per run)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-build}/aigw-setup"
seconds="${BENCH_SECONDS:-5}"
[ -x "$binary" ] || { echo "no $binary: give a build folder" >&2; exit 2; }
PATH="$PATH:/usr/sbin"
for tool in wrk nginx g++ python3 pkg-config bc; do
  command -v "$tool" >/dev/null \
    || { echo "needs $tool: bash scripts/install-bench-deps.sh" >&2; exit 2; }
done

source bench/relay-common.sh

tick="$(getconf CLK_TCK)"
# CPU ticks of `pid` and its children.
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat") ))
  done
  echo "$total"
}
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }

start_upstream
start_relay
start_nginx

# One target: prints a table row.
measure() {
  local name="$1" pid="$2" port="$3" header="$4" key="$5"
  local before upstream_before switches_before out requests after upstream_after per_switch
  before="$(cpu_ticks "$pid")"; upstream_before="$(cpu_ticks "$upstream_pid")"
  switches_before="$(switches "$pid")"
  out="$(BENCH_PATH=/anthropic/v1/messages BENCH_KEY_HEADER="$header" BENCH_KEY="$key" \
    wrk -t2 -c64 -d"${seconds}s" --latency -s bench/relay.lua "http://127.0.0.1:$port" \
    | grep '^BENCH')"
  after="$(cpu_ticks "$pid")"; upstream_after="$(cpu_ticks "$upstream_pid")"
  requests="$(sed 's/.*requests=\([0-9]*\).*/\1/' <<< "$out")"
  per_switch="-"
  [ "$name" = relay ] \
    && per_switch="$(echo "scale=1; ($(switches "$pid") - $switches_before) / $requests" | bc)"
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$(sed 's/.*rps=\([0-9]*\).*/\1/' <<< "$out")" \
    "$(( (after - before) * 1000000 / tick / requests ))" \
    "$(( (upstream_after - upstream_before) * 1000000 / tick / requests ))" "$per_switch"
}

echo "| proxy | req/s, 64 conns | proxy CPU per request (us) | upstream CPU per request (us) | relay context switches per request |"
echo "| --- | --- | --- | --- | --- |"
measure relay "$relay_pid" "$relay_port" x-api-key "$relay_key"
measure nginx "$nginx_pid" "$nginx_port" "" ""
echo
echo "Load average (1 min) at the end: $(cut -d' ' -f1 /proc/loadavg); $(nproc) cores; $(date +%F)."
