#!/usr/bin/env bash
# Benchmark: the relay against a direct connection, an nginx reverse proxy and
# claude-code-router, all in front of the same local upstream (bench/relay_upstream.cpp),
# in one run. Non-streamed latency and throughput come from wrk (bench/relay.lua reads
# wrk's own latency histogram); the 200-event streams from a small Python client that
# compares when each event arrives with the send time the upstream wrote into it; memory
# from /proc/<pid>/status. Writes Markdown tables to stdout; the numbers in
# docs/benchmarks.md come from this script. Loopback only, free ports, and everything it
# starts is stopped at the end. Needs scripts/install-bench-deps.sh first.
#
#   bash bench/relay.sh [build-dir] > /tmp/bench.md      (BENCH_SECONDS=10 per wrk run)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-build}/aigw-setup"
seconds="${BENCH_SECONDS:-10}"
ccr_dir="${AIGW_BENCH_CACHE:-$HOME/.cache/aigw-setup/bench}/node_modules/@musistudio"
ccr="$ccr_dir/claude-code-router/dist/cli.js"
[ -x "$binary" ] || { echo "no $binary: give a build folder" >&2; exit 2; }
PATH="$PATH:/usr/sbin" # nginx's place, which a user's PATH may lack
for tool in wrk nginx g++ python3 pkg-config bc; do
  command -v "$tool" >/dev/null \
    || { echo "needs $tool: bash scripts/install-bench-deps.sh" >&2; exit 2; }
done

source bench/relay-common.sh

# claude-code-router with one provider, the upstream, through its pass-through
# "Anthropic" transformer; its own key as the agents' key. Skipped when not installed.
start_ccr() {
  ccr_port=""
  [ -f "$ccr" ] || return 0
  ccr_port="$(free_port)"
  mkdir -p "$work/ccr-home/.claude-code-router"
  cat > "$work/ccr-home/.claude-code-router/config.json" <<EOF
{"HOST": "127.0.0.1", "PORT": $ccr_port, "APIKEY": "bench-ccr-key", "LOG": false,
 "Providers": [{"name": "local", "api_base_url": "http://127.0.0.1:$upstream_port/v1/messages",
   "api_key": "dapi-bench-token-000000", "models": ["bench"],
   "transformer": {"use": ["Anthropic"]}}],
 "Router": {"default": "local,bench"}}
EOF
  HOME="$work/ccr-home" node "$ccr" start > "$work/ccr.out" 2>&1 &
  ccr_pid=$!
  pids+=("$ccr_pid")
  wait_port "$ccr_port"
}

# Resident and peak memory in MB of `pid` and its children (nginx's workers).
memory() {
  local total_rss=0 total_hwm=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    total_rss=$(( total_rss + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") ))
    total_hwm=$(( total_hwm + $(awk '/^VmHWM/ {print $2}' "/proc/$pid/status") ))
  done
  printf '%.1f %.1f' "$(echo "$total_rss/1024" | bc -l)" "$(echo "$total_hwm/1024" | bc -l)"
}

# The targets: name, port, path, key header, key.
targets() {
  echo "direct $upstream_port /anthropic/v1/messages - -"
  echo "relay $relay_port /anthropic/v1/messages x-api-key $relay_key"
  echo "nginx $nginx_port /anthropic/v1/messages - -"
  [ -z "$ccr_port" ] || echo "claude-code-router $ccr_port /v1/messages x-api-key bench-ccr-key"
}

# One wrk run; prints "p50_us p99_us rps failed".
wrk_run() {
  local port="$1" path="$2" header="$3" key="$4" threads="$5" connections="$6"
  [ "$header" = "-" ] && header="" && key=""
  BENCH_PATH="$path" BENCH_KEY_HEADER="$header" BENCH_KEY="$key" \
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/relay.lua \
    "http://127.0.0.1:$port" \
    | sed -n 's/^BENCH p50_us=\([0-9]*\) p99_us=\([0-9]*\) rps=\([0-9]*\) .* failed=/\1 \2 \3 /p'
}

write_stream_client() {
  cat > "$work/stream.py" <<'PY'
# N streams at once through one target, `rounds` times. Per stream: time to first event
# (request sent to first `data:` line read); per event: arrival minus the send time the
# upstream wrote into it. Prints "ttfe_p50_ms delay_p50_ms delay_p99_ms events expected".
import http.client, json, re, statistics, sys, threading, time
port, path, header, key, streams, rounds = sys.argv[1:7]
streams, rounds = int(streams), int(rounds)
body = json.dumps({"model": "bench", "max_tokens": 16, "stream": True,
                   "messages": [{"role": "user", "content": "Say ok."}]}, separators=(",", ":"))
headers = {"Content-Type": "application/json", "anthropic-version": "2023-06-01"}
if header != "-":
    headers[header] = key
stamp = re.compile(rb'"e\d+@(\d+)"')
ttfe, delays, events = [], [], [0]
lock = threading.Lock()

def one(start):
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    start.wait()
    sent = time.monotonic_ns()
    connection.request("POST", path, body, headers)
    response = connection.getresponse()
    first, mine, count = None, [], 0
    while line := response.readline():
        if not line.startswith(b"data:"):
            continue
        now = time.monotonic_ns()
        count += 1
        first = first if first is not None else now - sent
        match = stamp.search(line)
        if match:
            mine.append(now - int(match.group(1)))
    with lock:
        ttfe.append(first or 0)
        delays.extend(mine)
        events[0] += count

for _ in range(rounds):
    start = threading.Barrier(streams)
    threads = [threading.Thread(target=one, args=(start,)) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
delays.sort()
print("%.2f %.2f %.2f %d %d" % (statistics.median(ttfe) / 1e6, statistics.median(delays) / 1e6,
      delays[int(len(delays) * 0.99)] / 1e6, events[0], 200 * streams * rounds))
PY
}

stream_run() {
  python3 "$work/stream.py" "$@"
}

ms() { printf '%.2f' "$(echo "$1/1000" | bc -l)"; }

# "value (+added)" in ms, against the direct connection's value.
with_added() {
  printf '%s (%+.2f)' "$1" "$(echo "$1 - $2" | bc -l)"
}

table_row() {
  printf '| %s ' "$@"
  printf '|\n'
}

declare -A result
loads=("$(load_now)")

# One line of values from stdin into result[name.key], a key for each value in order.
store() {
  local name="$1" values=() key i=0
  shift
  read -r -a values || true
  for key in "$@"; do
    result["$name.$key"]="${values[i]:-0}"
    i=$(( i + 1 ))
  done
}

# Every measurement for one target, into result[name.what]. The relay's memory is read
# half a second into the 64 streams, while all of them are open.
measure_target() {
  local name="$1" target=("$2" "$3" "$4" "$5")
  store "$name" p50_1 p99_1 rps_1 fail_1 < <(wrk_run "${target[@]}" 1 1)
  store "$name" p50_64 p99_64 rps fail_64 < <(wrk_run "${target[@]}" 2 64)
  loads+=("$(load_now)")
  store "$name" ttfe delay delay99 events expected < <(stream_run "${target[@]}" 1 5)

  stream_run "${target[@]}" 64 1 > "$work/streams64" &
  local client=$!
  sleep 0.5
  [ "$name" = relay ] && result[relay.mem_streams]="$(memory "$relay_pid")"
  wait "$client"
  store "$name" ttfe64 delay64 delay99_64 events64 expected64 < "$work/streams64"
  loads+=("$(load_now)")
}

start_upstream
start_relay
start_nginx
start_ccr
write_stream_client
sleep 2
result[relay.mem_idle]="$(memory "$relay_pid")"
result[nginx.mem_idle]="$(memory "$nginx_pid")"
[ -z "$ccr_port" ] || result[claude-code-router.mem_idle]="$(memory "$ccr_pid")"

names=()
while read -r name port path header key; do
  names+=("$name")
  measure_target "$name" "$port" "$path" "$header" "$key"
done < <(targets)
result[relay.mem_after]="$(memory "$relay_pid")"
result[nginx.mem_after]="$(memory "$nginx_pid")"
[ -z "$ccr_port" ] || result[claude-code-router.mem_after]="$(memory "$ccr_pid")"

echo "Non-streamed request, wrk ${seconds} s per cell; latency in ms (added over direct)."
echo
table_row target "p50, 1 conn" "p99, 1 conn" "p50, 64 conns" "p99, 64 conns" \
  "req/s, 64 conns" "req/s vs nginx" failed
table_row --- --- --- --- --- --- --- ---
for name in "${names[@]}"; do
  row=("$name")
  for cell in p50_1 p99_1 p50_64 p99_64; do
    row+=("$(with_added "$(ms "${result[$name.$cell]}")" "$(ms "${result[direct.$cell]}")")")
  done
  row+=("${result[$name.rps]}")
  row+=("$(printf '%.2f' "$(echo "${result[$name.rps]} / ${result[nginx.rps]}" | bc -l)")")
  row+=("$(( result[$name.fail_1] + result[$name.fail_64] ))")
  table_row "${row[@]}"
done
echo
echo "200-event stream (one event every 5 ms); ms (added over direct). Per-event delay: arrival"
echo "minus the upstream's send time written into the event."
echo
table_row target "first event" "per-event p50" "per-event p99" "64 streams: first event" \
  "per-event p50" "per-event p99" "events received"
table_row --- --- --- --- --- --- --- ---
for name in "${names[@]}"; do
  row=("$name")
  for cell in ttfe delay delay99 ttfe64 delay64 delay99_64; do
    row+=("$(with_added "${result[$name.$cell]}" "${result[direct.$cell]}")")
  done
  received=$(( result[$name.events] + result[$name.events64] ))
  row+=("$received of $(( result[$name.expected] + result[$name.expected64] ))")
  table_row "${row[@]}"
done
echo
echo "Memory, MB resident (VmRSS; VmHWM is the peak), with workers for nginx."
echo
echo "| process | idle RSS | 64 streams open, RSS | after all load, RSS | peak (HWM) |"
echo "| --- | --- | --- | --- | --- |"
for name in relay nginx claude-code-router; do
  [ -n "${result[$name.mem_idle]:-}" ] || continue
  read -r idle _ <<< "${result[$name.mem_idle]}"
  read -r after peak <<< "${result[$name.mem_after]}"
  open="-"
  [ -n "${result[$name.mem_streams]:-}" ] && read -r open _ <<< "${result[$name.mem_streams]}"
  echo "| $name | $idle | $open | $after | $peak |"
done
echo
sorted_loads="$(printf '%s\n' "${loads[@]}" | sort -n)"
echo "Load average (1 min) while measuring: $(head -1 <<< "$sorted_loads") to" \
  "$(tail -1 <<< "$sorted_loads"); $(nproc) cores; $(date -u +%F)."
