#!/usr/bin/env bash
# End to end with the real agents: for Claude Code, Codex CLI and Gemini CLI (pinned
# versions from npm), `aigw-setup configure --auth relay` in a throwaway home against
# `aigw-setup relay --offline`, one prompt each, non-interactively; each must exit 0 and
# print the relay's reply, which the relay streams. Claude Code runs with telemetry on, so
# its metrics and logs land in the relay's spool; `relay flush` must then deliver them,
# with their Unity Catalog table headers, to a fake workspace.
#
# As root, where `unshare --net` works, everything runs in a new network namespace that has
# only loopback, so nothing can leave the machine. Otherwise the agents' non-essential
# traffic is switched off by their settings alone; the output says which way it ran.
#
#   bash tests/e2e/agents.sh AIGW_SETUP_BINARY FAKE_WORKSPACE_BINARY
set -uo pipefail

aigw="$(realpath "$1")"
fake_workspace="$(realpath "$2")"
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

home="$work/home"
mkdir -p "$home" "$work/project"
port=$((20000 + RANDOM % 20000))
[ "$AIGW_E2E_INSIDE" = netns ] && port=8765
token="dapi-e2e-workspace-token-5f0c"
echo "$token" > "$work/token"

# The fake workspace, for `relay flush`.
"$fake_workspace" "$work/token" "$work/exports.jsonl" > "$work/workspace.url" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/workspace.url" ] && break; sleep 0.1; done
workspace_url="$(head -1 "$work/workspace.url")"

# Gemini CLI's usage statistics and auto-update off, before configure merges into the file.
mkdir -p "$home/.gemini"
cat > "$home/.gemini/settings.json" <<'JSON'
{
  // written by the e2e test: no traffic to Google
  "privacy": { "usageStatisticsEnabled": false },
  "telemetry": { "enabled": false },
  "general": { "enableAutoUpdate": false, "enableAutoUpdateNotification": false }
}
JSON

"$aigw" --home "$home" configure claude codex gemini --auth relay --relay "127.0.0.1:$port" \
  --workspace "$workspace_url" --token-file "$work/token" --gemini-trust off \
  --skip-onboarding > "$work/configure.out" 2>&1
check "configure --auth relay" $? "$(cat "$work/configure.out")"

"$aigw" -v --home "$home" relay --offline --listen "127.0.0.1:$port" --spool "$home/spool" \
  --metrics-table main.default.cc_otel_metrics --logs-table main.default.cc_otel_logs \
  2> "$work/relay.log" &
relay_pid=$!
pids+=("$relay_pid")
for _ in $(seq 50); do
  curl -s -o /dev/null -I "http://127.0.0.1:$port/anthropic" && break
  sleep 0.1
done

key="$(cat "$home/.config/aigw-setup/relay.key")"
marker="aigw-setup offline relay"
cd "$work/project"

# Claude Code, its non-essential traffic off (shared/docs/wire.md section 1), telemetry on.
claude_out="$(env HOME="$home" DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
  DISABLE_ERROR_REPORTING=1 CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL=1 \
  CLAUDE_CODE_ENABLE_TELEMETRY=1 OTEL_METRICS_EXPORTER=otlp OTEL_LOGS_EXPORTER=otlp \
  OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_METRIC_EXPORT_INTERVAL=1000 \
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:$port/api/2.0/otel/v1/metrics" \
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://127.0.0.1:$port/api/2.0/otel/v1/logs" \
  OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer $key" \
  timeout 120 "$AIGW_AGENTS_BIN/claude" -p "say hi from the e2e test" < /dev/null 2>&1)"
status=$?
echo "$claude_out" | grep -q "$marker"
check "claude -p through the offline relay (exit $status)" $(( status + $? )) "$claude_out"

# Codex CLI: update checks, analytics and plugins off (wire.md section 2).
codex_out="$(env HOME="$home" timeout 120 "$AIGW_AGENTS_BIN/codex" exec --skip-git-repo-check \
  -c check_for_update_on_startup=false -c analytics.enabled=false -c feedback.enabled=false \
  -c features.plugins=false "say hi from the e2e test" < /dev/null 2>&1)"
status=$?
echo "$codex_out" | grep -q "$marker"
check "codex exec through the offline relay (exit $status)" $(( status + $? )) "$codex_out"

# Gemini CLI (usage statistics and updates off in settings.json above).
gemini_out="$(env HOME="$home" timeout 120 "$AIGW_AGENTS_BIN/gemini" \
  -p "say hi from the e2e test" < /dev/null 2>&1)"
status=$?
echo "$gemini_out" | grep -q "$marker"
check "gemini -p through the offline relay (exit $status)" $(( status + $? )) "$gemini_out"

# Each agent took the streamed reply: Claude falls back to a second, non-streaming request
# when it rejects a stream, so exactly one Messages request means the stream was accepted.
# (The relay logs one line per request.)
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

kill -TERM "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
flush_out="$("$aigw" --home "$home" relay flush --spool "$home/spool" 2>&1)"
check "relay flush" $? "$flush_out"

kill -TERM "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
grep -q '"signal":"metrics","table":"main.default.cc_otel_metrics"' "$work/exports.jsonl"
check "metrics reached the workspace with their table header" $? "$(cat "$work/exports.jsonl")"
grep -q '"signal":"logs","table":"main.default.cc_otel_logs"' "$work/exports.jsonl"
check "logs reached the workspace with their table header" $? "$(cat "$work/exports.jsonl")"
[ -z "$(find "$home/spool" -name '*.otlp')" ]
check "the spool is empty after the flush" $? "$(ls "$home/spool")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
