# Shared by bench/relay.sh and bench/relay-cpu.sh (sourced; not run alone): a work folder
# and the cleanup that stops what the script started, free loopback ports, and the local
# upstream, the relay and nginx started in front of it. The caller sets `binary`.
work="$(mktemp -d)"
pids=()
# Stop what this script started, by pid, then remove its files.
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
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

# The first line `pattern` matches in `file`, waiting for it to be written.
wait_line() {
  local file="$1" pattern="$2"
  for _ in $(seq 100); do
    grep -m1 -o "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no '$pattern' in $file" >&2
  return 1
}

load_now() { cut -d' ' -f1 /proc/loadavg; }

start_upstream() {
  local libs
  read -r -a libs < <(pkg-config --libs cpp-httplib)
  g++ -std=c++20 -O2 bench/relay_upstream.cpp "${libs[@]}" -pthread -o "$work/upstream"
  "$work/upstream" > "$work/upstream.out" &
  upstream_pid=$!
  pids+=("$upstream_pid")
  upstream_port="$(wait_line "$work/upstream.out" '^[0-9]*$')"
}

# A throwaway home with a stored token (forward mode needs one) and the relay key.
start_relay() {
  local home="$work/relay-home"
  echo "dapi-bench-token-000000" > "$work/token"
  "$binary" --home "$home" -q configure claude --auth relay --skip-onboarding \
    --gateway "http://127.0.0.1:$upstream_port" --token-file "$work/token" >/dev/null
  "$binary" --home "$home" relay --gateway "http://127.0.0.1:$upstream_port" \
    --listen 127.0.0.1:0 --key-file "$home/.config/aigw-setup/relay.key" \
    > "$work/relay.out" 2> "$work/relay.err" &
  relay_pid=$!
  pids+=("$relay_pid")
  relay_port="$(wait_line "$work/relay.out" 'listening on http://127\.0\.0\.1:[0-9]*' \
    | cut -d: -f3)"
  relay_key="$(cat "$home/.config/aigw-setup/relay.key")"
}

# nginx as one would put it in front of an SSE API: upstream keep-alive, no buffering,
# and the credential added to each request the way the relay adds it. Both log a line per
# request to a file (the relay's goes to $work/relay.err).
start_nginx() {
  nginx_port="$(free_port)"
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  # A line per request to a file, as nginx does by default and as the relay does.
  access_log $work/nginx/access.log;
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
  nginx_pid=$!
  pids+=("$nginx_pid")
  wait_port "$nginx_port"
}
