// SPDX-License-Identifier: MIT
// The local upstream that bench/relay.sh puts behind the relay, nginx and
// claude-code-router alike: POST /anthropic/v1/messages (and /v1/messages, the path
// claude-code-router forwards to) answers a small fixed Anthropic message, or, when the
// body asks for "stream":true, 200 server-sent events one every 5 ms. It binds 127.0.0.1 on
// a free port and prints that port on its first line. Built by the script with g++, not
// part of the CMake build:
//
//   g++ -std=c++20 -O2 bench/relay_upstream.cpp $(pkg-config --libs cpp-httplib) -o upstream
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <httplib.h>
#include <netinet/tcp.h>

namespace aigw::bench {

namespace {

constexpr int k_stream_events = 200;
constexpr auto k_event_gap = std::chrono::milliseconds(5);
constexpr int k_backlog = 1024;
constexpr std::size_t k_threads = 160; // 64 streams open at once, and room for wrk

constexpr const char* k_message =
  R"({"id":"msg_bench","type":"message","role":"assistant","model":"bench",)"
  R"("content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn",)"
  R"("stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}})";

bool
wants_stream(const std::string& body)
{
  return body.find("\"stream\":true") != std::string::npos
         || body.find("\"stream\": true") != std::string::npos;
}

// CLOCK_MONOTONIC in nanoseconds, the clock the stream client reads too (same machine).
long long
sent_ns()
{
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
}

// Event `index` of the stream: the first opens the message, the last ends it, and each
// in between is one text delta "e<index>@<sent_ns>", so that a client can tell how long
// each took on the way without trusting any proxy to keep an extra field.
std::string
stream_event(int index)
{
  if (index == 0) {
    return "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
           + std::string(k_message) + "}\n\n";
  }
  if (index == k_stream_events - 1) {
    return "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  }
  return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
         "\"delta\":{\"type\":\"text_delta\",\"text\":\"e"
         + std::to_string(index) + "@" + std::to_string(sent_ns()) + "\"}}\n\n";
}

// The sleep comes before each event after the first, so the first leaves at once and
// time to first event measures the path, not the upstream's pacing.
void
send_stream(httplib::Response& response)
{
  response.set_chunked_content_provider(
    "text/event-stream", [](std::size_t /*offset*/, httplib::DataSink& sink) {
      for (int event = 0; event < k_stream_events; ++event) {
        if (event > 0) {
          std::this_thread::sleep_for(k_event_gap);
        }
        const std::string text = stream_event(event);
        if (!sink.write(text.data(), text.size())) {
          return false;
        }
      }
      sink.done();
      return true;
    });
}

void
answer(const httplib::Request& request, httplib::Response& response)
{
  if (wants_stream(request.body)) {
    send_stream(response);
    return;
  }
  response.set_content(k_message, "application/json");
}

} // namespace

int
run()
{
  httplib::Server server;
  // A stream holds its thread for its whole second.
  server.new_task_queue = [] { return new httplib::ThreadPool(k_threads); };
  // Headers and body leave in two writes; without TCP_NODELAY the second waits for the
  // client's delayed ACK (40 ms). Linux hands the option on to each accepted socket.
  socket_t listener = INVALID_SOCKET;
  server.set_socket_options([&listener](socket_t sock) {
    const int on = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    listener = sock;
  });
  // httplib closes a connection after 5 requests by default, and listens with a backlog
  // of 5: 64 clients connecting at once overflow it and get reset.
  server.set_keep_alive_max_count(1'000'000);
  server.Post("/anthropic/v1/messages", answer);
  server.Post("/v1/messages", answer);

  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "relay_upstream: cannot bind 127.0.0.1\n");
    return 1;
  }
  // A second listen() on Linux only sets the backlog anew.
  ::listen(listener, k_backlog);
  std::printf("%d\n", port);
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}

} // namespace aigw::bench

int
main()
{
  return aigw::bench::run();
}
