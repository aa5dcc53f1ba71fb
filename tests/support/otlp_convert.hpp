// SPDX-License-Identifier: MIT
// For the OTLP/JSON tests: a JSON export converted by net::otlp_json_to_protobuf and
// decoded again with the generated class `Request`, failing the test with the converter's
// message when it does not convert.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "net/otlp_json.hpp"

namespace aigw::test {

template <class Request>
Request
converted(net::OtlpSignal signal, const std::string& json)
{
  const auto bytes = net::otlp_json_to_protobuf(signal, json);
  REQUIRE_MESSAGE(bytes, (bytes ? "" : bytes.error().message));
  Request request;
  REQUIRE(request.ParseFromString(*bytes));
  return request;
}

} // namespace aigw::test
