#!/usr/bin/env bash
# End to end with the real agents: for Claude Code, Codex CLI and Gemini CLI (pinned
# versions from npm), one prompt each, non-interactively, through the configs that
# `aigw-setup configure --auth relay` writes in a throwaway home. Two parts:
#
# Offline: against `aigw-setup relay --offline`; each agent must exit 0 and print the
# relay's reply, which the relay streams. Claude Code's telemetry is switched on by
# `aigw-setup telemetry enable`, so its metrics and logs land in the relay's spool; `relay
# flush` must then deliver them, with their Unity Catalog table headers, to a fake workspace.
# Gemini CLI's telemetry is switched on too: it exports OTLP/JSON when it exits, which the
# relay must turn into protobuf (the fake workspace takes nothing else) under the tables
# main.default.gm_otel_{metrics,logs}; its spans, with no traces table, are rejected.
#
# Forward: in a second home, configure with --gateway and --workspace pointing at a fake AI
# Gateway and a fake workspace, and run `aigw-setup relay` in forward mode (it reads the
# relay.json that configure wrote). Each agent must exit 0 and print the fake gateway's
# reply; the gateway must have seen each agent's request with `Authorization: Bearer <PAT>`
# and never the relay key, and Claude's with x-databricks-use-coding-agent-mode: true;
# Claude's and Gemini's telemetry must reach the fake workspace through the relay, with
# their table headers, as protobuf, without going through the spool.
#
# As root, where `unshare --net` works, everything runs in a new network namespace that has
# only loopback, so nothing can leave the machine. Otherwise the agents' non-essential
# traffic is switched off by their settings alone; the output says which way it ran.
#
#   bash tests/e2e/agents.sh AIGW_SETUP_BINARY FAKE_WORKSPACE_BINARY FAKE_GATEWAY_BINARY
set -uo pipefail

aigw="$(realpath "$1")"
fake_workspace="$(realpath "$2")"
fake_gateway="$(realpath "$3")"
here="$(cd "$(dirname "$0")" && pwd)"

if [ -z "${AIGW_E2E_INSIDE:-}" ]; then
  agents_bin="$(bash "$here/../../scripts/install-agents.sh")"
  if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
    echo "e2e: running in a loopback-only network namespace (unshare --net)"
    exec unshare --net env AIGW_E2E_INSIDE=netns AIGW_AGENTS_BIN="$agents_bin" \
      bash "$0" "$@"
  fi
  echo "e2e: WARNING: no network namespace here (needs root and unshare); the agents'" \
       "outside traffic is switched off by their settings only"
  export AIGW_E2E_INSIDE=host AIGW_AGENTS_BIN="$agents_bin"
fi
[ "$AIGW_E2E_INSIDE" = netns ] && ip link set lo up

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # NAME CONDITION-EXIT-CODE DETAIL
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1)); echo "ok: $1"
  else
    failed=$((failed + 1)); echo "FAILED: $1: $3"
  fi
}

# Start a fake server that prints its URL first: start_fake NAME BINARY ARGS...; sets
# $started_pid and $started_url.
start_fake() {
  local url_file="$work/$1.url"
  shift
  "$@" > "$url_file" &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 50); do [ -s "$url_file" ] && break; sleep 0.1; done
  started_url="$(head -1 "$url_file")"
}

# Stop a process we started with SIGTERM, and wait until it is gone (its files written).
stop() {
  kill -TERM "$1"
  wait "$1" 2>/dev/null || true
}

wait_for_relay() { # PORT
  for _ in $(seq 50); do
    curl -s -o /dev/null -I "http://127.0.0.1:$1/anthropic" && break
    sleep 0.1
  done
}

# Gemini CLI's usage statistics and auto-update off, before configure merges into the file.
write_gemini_settings() { # HOME
  mkdir -p "$1/.gemini"
  cat > "$1/.gemini/settings.json" <<'JSON'
{
  // written by the e2e test: no traffic to Google
  "privacy": { "usageStatisticsEnabled": false },
  "telemetry": { "enabled": false },
  "general": { "enableAutoUpdate": false, "enableAutoUpdateNotification": false }
}
JSON
}

# Claude Code's telemetry into main.default.cc_otel_{metrics,logs}, through the relay, by
# `telemetry enable`; it sends the table headers itself. Metrics every second, so a short
# run exports some.
enable_telemetry() { # HOME WORKSPACE_URL
  local out
  out="$("$aigw" --home "$1" telemetry enable claude --workspace "$2" --catalog main \
    --schema default --prefix cc --metrics-interval 1000 2>&1)"
  check "telemetry enable claude" $? "$out"
  # Gemini CLI through the relay, which names its tables (gm_*) in relay.json.
  out="$("$aigw" --home "$1" telemetry enable gemini --workspace "$2" --catalog main \
    --schema default --prefix gm 2>&1)"
  check "telemetry enable gemini" $? "$out"
}

# The fake workspace took SIGNAL exports for TABLE as protobuf holding at least one item
# (its JSON lines have their keys in alphabetical order): exported SIGNAL TABLE FILE.
exported() {
  local line='"content_type":"application/x-protobuf","items":[1-9][0-9]*,'
  grep -q "$line\"signal\":\"$1\",\"table\":\"$2\"" "$3"
}

# The three agents, one prompt each, in the home given, the relay on the port given; each
# must exit 0 and print MARKER. Run from the project folder.
run_agents() { # HOME PORT MARKER WHERE
  local agent_home="$1" relay_port="$2" marker="$3" where="$4" out status

  # Claude Code, its non-essential traffic off (shared/docs/wire.md section 1); its telemetry
  # is what `telemetry enable` wrote into its settings.
  out="$(env HOME="$agent_home" DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
    DISABLE_ERROR_REPORTING=1 CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL=1 \
    timeout 120 "$AIGW_AGENTS_BIN/claude" -p "say hi from the e2e test" < /dev/null 2>&1)"
  status=$?
  echo "$out" | grep -q "$marker"
  check "claude -p through $where (exit $status)" $(( status + $? )) "$out"

  # Codex CLI: update checks, analytics and plugins off (wire.md section 2).
  out="$(env HOME="$agent_home" timeout 120 "$AIGW_AGENTS_BIN/codex" exec \
    --skip-git-repo-check -c check_for_update_on_startup=false -c analytics.enabled=false \
    -c feedback.enabled=false -c features.plugins=false "say hi from the e2e test" \
    < /dev/null 2>&1)"
  status=$?
  echo "$out" | grep -q "$marker"
  check "codex exec through $where (exit $status)" $(( status + $? )) "$out"

  # Gemini CLI (usage statistics and updates off in settings.json).
  out="$(env HOME="$agent_home" timeout 120 "$AIGW_AGENTS_BIN/gemini" \
    -p "say hi from the e2e test" < /dev/null 2>&1)"
  status=$?
  echo "$out" | grep -q "$marker"
  check "gemini -p through $where (exit $status)" $(( status + $? )) "$out"
}

mkdir -p "$work/project"
port=$((20000 + RANDOM % 20000))
[ "$AIGW_E2E_INSIDE" = netns ] && port=8765
token="dapi-e2e-workspace-token-5f0c"
echo "$token" > "$work/token"

###########################################################################################
# Offline: the relay answers every route itself and spools Claude's telemetry.

home="$work/home"
mkdir -p "$home"

# The fake workspace, for `relay flush`.
start_fake workspace "$fake_workspace" "$work/token" "$work/exports.jsonl"
workspace_pid="$started_pid"
workspace_url="$started_url"

write_gemini_settings "$home"
"$aigw" --home "$home" configure claude codex gemini --auth relay --relay "127.0.0.1:$port" \
  --workspace "$workspace_url" --token-file "$work/token" --gemini-trust off \
  --skip-onboarding > "$work/configure.out" 2>&1
check "configure --auth relay" $? "$(cat "$work/configure.out")"
enable_telemetry "$home" "$workspace_url"

"$aigw" --home "$home" relay --offline --listen "127.0.0.1:$port" --spool "$home/spool" \
  2> "$work/relay.log" &
relay_pid=$!
pids+=("$relay_pid")
wait_for_relay "$port"

cd "$work/project"
run_agents "$home" "$port" "aigw-setup offline relay" "the offline relay"

# Each agent took the streamed reply: Claude falls back to a second, non-streaming request
# when it rejects a stream, so exactly one Messages request means the stream was accepted.
# (The relay logs one line per request, with no -v: that is checked here too.)
[ "$(grep -c "POST /anthropic/v1/messages" "$work/relay.log")" -eq 1 ]
check "Claude took the streamed Messages reply" $? "$(cat "$work/relay.log")"
grep -q "POST /openai/v1/responses" "$work/relay.log"
check "Codex used the Responses stream" $? "$(cat "$work/relay.log")"
grep -q "POST /gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent" \
  "$work/relay.log"
check "Gemini used streamGenerateContent" $? "$(cat "$work/relay.log")"

# Claude's telemetry is in the spool; flush it to the workspace.
spooled=$(find "$home/spool" -name '*.otlp' | wc -l)
[ "$spooled" -ge 2 ]
check "Claude's metrics and logs were spooled ($spooled exports)" $? "$(ls -la "$home/spool")"

stop "$relay_pid"
flush_out="$("$aigw" --home "$home" relay flush --spool "$home/spool" 2>&1)"
check "relay flush" $? "$flush_out"

stop "$workspace_pid"
grep -q '"signal":"metrics","table":"main.default.cc_otel_metrics"' "$work/exports.jsonl"
check "metrics reached the workspace with their table header" $? "$(cat "$work/exports.jsonl")"
grep -q '"signal":"logs","table":"main.default.cc_otel_logs"' "$work/exports.jsonl"
check "logs reached the workspace with their table header" $? "$(cat "$work/exports.jsonl")"
exported metrics main.default.gm_otel_metrics "$work/exports.jsonl"
check "Gemini's JSON metrics reached the workspace as protobuf" $? "$(cat "$work/exports.jsonl")"
exported logs main.default.gm_otel_logs "$work/exports.jsonl"
check "Gemini's JSON logs reached the workspace as protobuf" $? "$(cat "$work/exports.jsonl")"
grep -q "an OTel traces export was not kept (spans: " "$work/relay.log"
check "Gemini's spans were rejected with a warning (no traces table)" $? "$(cat "$work/relay.log")"
[ -z "$(find "$home/spool" -name '*.otlp')" ]
check "the spool is empty after the flush" $? "$(ls "$home/spool")"

###########################################################################################
# Forward: the relay forwards to a fake AI Gateway, and Claude's telemetry to a fake
# workspace, with the PAT in place of the relay key.

fhome="$work/home-forward"
mkdir -p "$fhome"
fport=$((port + 1))

start_fake workspace-forward "$fake_workspace" "$work/token" "$work/exports-forward.jsonl"
fworkspace_pid="$started_pid"
fworkspace_url="$started_url"
# The relay key does not exist yet: the gateway reads it only when it writes its record.
start_fake gateway "$fake_gateway" "$work/token" "$work/gateway.jsonl" \
  "$fhome/.config/aigw-setup/relay.key"
gateway_pid="$started_pid"
gateway_url="$started_url"

write_gemini_settings "$fhome"
"$aigw" --home "$fhome" configure claude codex gemini --auth relay \
  --relay "127.0.0.1:$fport" --gateway "$gateway_url" --workspace "$fworkspace_url" \
  --token-file "$work/token" --gemini-trust off --skip-onboarding \
  > "$work/configure-forward.out" 2>&1
check "configure --auth relay --gateway" $? "$(cat "$work/configure-forward.out")"
enable_telemetry "$fhome" "$fworkspace_url"

# Forward mode: no --offline; the gateway and workspace come from relay.json.
"$aigw" --home "$fhome" relay --listen "127.0.0.1:$fport" --spool "$fhome/spool" \
  2> "$work/relay-forward.log" &
frelay_pid=$!
pids+=("$frelay_pid")
wait_for_relay "$fport"

run_agents "$fhome" "$fport" "fake gateway" "the forwarding relay"

stop "$frelay_pid"
stop "$gateway_pid"
stop "$fworkspace_pid"
seen="$(cat "$work/gateway.jsonl")"
detail="$seen
--- relay log:
$(cat "$work/relay-forward.log")"

# The gateway's record of a POST to PATH that carried the PAT and not the relay key, with
# x-databricks-use-coding-agent-mode as MODE (JSON: "true" or null): request_line PATH MODE.
request_line() {
  printf '{"method":"POST","path":"%s","authorization_is_token":true,' "$1"
  printf '"relay_key_seen":false,"coding_agent_mode":%s}' "$2"
}
gateway_saw() { # PATH MODE: how many such records there are
  grep -cxF "$(request_line "$1" "$2")" "$work/gateway.jsonl"
}

# One Messages request: Claude took the gateway's stream (see the offline part).
[ "$(gateway_saw /anthropic/v1/messages '"true"')" -eq 1 ]
check "the gateway got Claude's request once, with the PAT and the coding-agent header" $? \
  "$detail"
[ "$(gateway_saw /openai/v1/responses null)" -eq 1 ]
check "the gateway got Codex's Responses request once, with the PAT" $? "$detail"
gemini_path="/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent"
[ "$(gateway_saw "$gemini_path" null)" -eq 1 ]
check "the gateway got Gemini's streamGenerateContent request once, with the PAT" $? "$detail"
[ -n "$seen" ] && ! grep -q '"authorization_is_token":false\|"relay_key_seen":true' \
  "$work/gateway.jsonl"
check "every gateway request carried the PAT and none the relay key" $? "$detail"

grep -q '"signal":"metrics","table":"main.default.cc_otel_metrics"' \
  "$work/exports-forward.jsonl"
check "metrics reached the workspace through the relay with their table header" $? \
  "$(cat "$work/exports-forward.jsonl")"
grep -q '"signal":"logs","table":"main.default.cc_otel_logs"' "$work/exports-forward.jsonl"
check "logs reached the workspace through the relay with their table header" $? \
  "$(cat "$work/exports-forward.jsonl")"
exported metrics main.default.gm_otel_metrics "$work/exports-forward.jsonl"
check "Gemini's JSON metrics reached the workspace through the relay as protobuf" $? \
  "$(cat "$work/exports-forward.jsonl")"
exported logs main.default.gm_otel_logs "$work/exports-forward.jsonl"
check "Gemini's JSON logs reached the workspace through the relay as protobuf" $? \
  "$(cat "$work/exports-forward.jsonl")"
[ -z "$(find "$fhome/spool" -name '*.otlp' 2>/dev/null)" ]
check "nothing was spooled in forward mode" $? "$(ls "$fhome/spool" 2>&1)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
