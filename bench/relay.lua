-- SPDX-License-Identifier: MIT
-- wrk script for bench/relay.sh: one small non-streamed Anthropic request, the same for
-- every target, with the key the target wants in the header it wants (BENCH_KEY_HEADER and
-- BENCH_KEY from the environment; none when unset). At the end it prints one line the
-- script reads: p50 and p99 latency in microseconds from wrk's own latency histogram
-- (every request is recorded there, not a sample), requests per second, and failures.
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/anthropic/v1/messages"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.body = '{"model":"bench","max_tokens":16,' ..
  '"messages":[{"role":"user","content":"Say ok."}]}'

local key_header = os.getenv("BENCH_KEY_HEADER")
if key_header and key_header ~= "" then
  wrk.headers[key_header] = os.getenv("BENCH_KEY")
end

-- Counted per thread; done() sees only the summary, so failures come from there.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.status + errors.timeout
  io.write(string.format("BENCH p50_us=%d p99_us=%d rps=%.0f requests=%d failed=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests / seconds,
    summary.requests, failed))
end
