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
for tool in wrk nginx g++ python3 pkg-config; do
  command -v "$tool" >/dev/null \
    || { echo "needs $tool: bash scripts/install-bench-deps.sh" >&2; exit 2; }
done

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}
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

read -r -a libs < <(pkg-config --libs cpp-httplib)
g++ -std=c++20 -O2 bench/relay_upstream.cpp "${libs[@]}" -pthread -o "$work/upstream"
"$work/upstream" > "$work/upstream.out" & pids+=($!); upstream_pid=$!
sleep 0.5
upstream_port="$(head -1 "$work/upstream.out")"

home="$work/home"
echo "dapi-bench-token-000000" > "$work/token"
"$binary" --home "$home" -q configure claude --auth relay --skip-onboarding \
  --gateway "http://127.0.0.1:$upstream_port" --token-file "$work/token" >/dev/null
relay_port="$(free_port)"
"$binary" --home "$home" relay --gateway "http://127.0.0.1:$upstream_port" \
  --listen "127.0.0.1:$relay_port" --key-file "$home/.config/aigw-setup/relay.key" \
  > /dev/null 2>&1 & pids+=($!); relay_pid=$!
wait_port "$relay_port"
relay_key="$(cat "$home/.config/aigw-setup/relay.key")"

nginx_port="$(free_port)"
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream bench_upstream { server 127.0.0.1:$upstream_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer dapi-bench-token-000000";
      proxy_buffering off;
    }
  }
}
EOF
nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!); nginx_pid=$!
wait_port "$nginx_port"

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
