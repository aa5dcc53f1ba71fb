// SPDX-License-Identifier: MIT
// Shared by the offline-reply and error-reply tests: an offline reply for a method and path,
// its events joined, one header, and the shape of a server-sent event stream (event names,
// field paths and JSON types) to compare with the streams the real agents accepted.
#pragma once

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/wire.hpp"
#include "support/test_context.hpp"

namespace aigw::test::wire_streams {

inline net::LocalReply
offline(const std::string& method, const std::string& path, const std::string& body = "",
        const std::string& query = "")
{
  const auto routed = net::route_of(path);
  REQUIRE(routed);
  net::InboundRequest request{method, path, query, {}, body};
  return net::offline_reply(routed->route, *routed, request);
}

inline std::string
joined(const std::vector<std::string>& events)
{
  std::string all;
  for (const std::string& event : events) {
    all += event;
  }
  return all;
}

inline std::string
header(const net::LocalReply& reply, const std::string& name)
{
  return reply.headers.get(name).value_or("<none>");
}

struct SseEvent
{
  std::string name;
  std::string data;
};

// Split a stream into events at blank lines, accepting CRLF framing.
inline std::vector<SseEvent>
parse_sse(const std::string& stream)
{
  std::vector<SseEvent> events;
  SseEvent current;
  std::size_t start = 0;
  while (start < stream.size()) {
    std::size_t end = stream.find('\n', start);
    if (end == std::string::npos) {
      end = stream.size();
    }
    std::string line = stream.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty() && !current.data.empty()) {
      events.push_back(current);
      current = {};
    } else if (line.starts_with("event: ")) {
      current.name = line.substr(7);
    } else if (line.starts_with("data: ")) {
      current.data = line.substr(6);
    }
    start = end + 1;
  }
  return events;
}

inline void
collect_shape(const nlohmann::json& value, const std::string& at, std::set<std::string>& shape)
{
  const std::string type = value.is_number() ? "number" : value.type_name();
  shape.insert(at + ":" + type);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      collect_shape(item, at + "." + key, shape);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      collect_shape(item, at + "[]", shape);
    }
  }
}

// One line per event: its name and every field path with its JSON type. Runs of events
// with the same line (the text deltas) count once, since texts differ in length.
inline std::string
stream_shape(const std::string& stream)
{
  std::vector<std::string> lines;
  for (const SseEvent& event : parse_sse(stream)) {
    std::set<std::string> shape;
    const nlohmann::json data = nlohmann::json::parse(event.data, nullptr, false);
    if (data.is_discarded()) {
      shape.insert(event.data);
    } else {
      collect_shape(data, "", shape);
    }
    std::string line = event.name + " |";
    for (const std::string& path : shape) {
      line += " " + path;
    }
    if (lines.empty() || lines.back() != line) {
      lines.push_back(line);
    }
  }
  std::string all;
  for (const std::string& line : lines) {
    all += line + "\n";
  }
  return all;
}

inline std::string
fixture_shape(const std::string& name)
{
  return stream_shape(aigw::test::read_fixture("streams/" + name));
}

} // namespace aigw::test::wire_streams
