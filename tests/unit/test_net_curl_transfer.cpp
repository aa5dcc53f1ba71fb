// SPDX-License-Identifier: MIT
// The libcurl transfer read by its own thread: connections kept per thread for the next
// request, and a reader stopped from outside while the upstream sends nothing.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>

#include "net/http.hpp"
#include "support/net_fakes.hpp"

using aigw::net::HttpErrorKind;
using aigw::net::HttpRequest;
using aigw::net::HttpTransfer;
using aigw::test::PortCountingServer;
using aigw::test::RawServer;

namespace {

HttpRequest
get(const std::string& url)
{
  HttpRequest request;
  request.url = url;
  request.idle_timeout = std::chrono::milliseconds(0); // only a cancel ends a silent wait
  return request;
}

} // namespace

TEST_CASE("net::HttpTransfer keeps each thread's connection open for its next request")
{
  PortCountingServer counting("{}");
  const auto client = aigw::net::make_curl_client();
  const std::string url = counting.server.url() + "/v1/messages";

  SUBCASE("requests one after another on one thread share one connection")
  {
    for (int i = 0; i < 5; ++i) {
      const auto response = client->send(get(url));
      REQUIRE(response);
      CHECK(response->body == "{}");
    }
    CHECK(counting.ports.size() == 5);
    CHECK(counting.connections() == 1);
  }

  SUBCASE("two threads each keep their own")
  {
    auto three_requests = [&] {
      for (int i = 0; i < 3; ++i) {
        CHECK(client->send(get(url)));
      }
    };
    std::thread first(three_requests);
    first.join();
    std::thread second(three_requests);
    second.join();
    CHECK(counting.ports.size() == 6);
    CHECK(counting.connections() == 2);
  }
}

TEST_CASE("net::HttpTransfer stops a reader that waits on a silent upstream")
{
  RawServer silent("", RawServer::Hang::yes);
  const auto client = aigw::net::make_curl_client();
  const auto transfer = client->open(get(silent.url() + "/anthropic/v1/messages"));

  SUBCASE("cancel() from another thread")
  {
    std::thread canceller([&transfer] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      transfer->cancel();
    });
    const bool head = transfer->wait_head(nullptr);
    canceller.join();
    CHECK_FALSE(head);
    REQUIRE(transfer->error());
    CHECK(transfer->error()->kind == HttpErrorKind::cancelled);
    CHECK(transfer->error()->message.rfind("GET " + silent.url() + "/anthropic/v1/messages: "
                                           "cancelled (",
                                           0)
          == 0);
  }

  SUBCASE("the reader's own give-up check")
  {
    std::atomic<int> asked = 0;
    const bool head = transfer->wait_head([&asked] { return ++asked == 3; });
    CHECK_FALSE(head);
    CHECK(asked == 3);
    REQUIRE(transfer->error());
    CHECK(transfer->error()->kind == HttpErrorKind::cancelled);
  }

  SUBCASE("the caller's cancel flag")
  {
    HttpRequest request = get(silent.url() + "/x");
    auto stop = std::make_shared<std::atomic<bool>>(false);
    request.cancel = stop;
    const auto flagged = client->open(request);
    std::thread stopper([stop] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      stop->store(true);
    });
    std::string piece;
    CHECK(flagged->next(piece, nullptr) == HttpTransfer::Next::failed);
    stopper.join();
    REQUIRE(flagged->error());
    CHECK(flagged->error()->kind == HttpErrorKind::cancelled);
  }
}

TEST_CASE("net::finished_transfer")
{
  SUBCASE("a whole answer: head, one piece, end")
  {
    const auto transfer = aigw::net::finished_transfer(aigw::net::HttpResponse{201, {}, "body"});
    REQUIRE(transfer->wait_head(nullptr));
    CHECK(transfer->status() == 201);
    std::string piece;
    CHECK(transfer->next(piece, nullptr) == HttpTransfer::Next::data);
    CHECK(piece == "body");
    CHECK(transfer->next(piece, nullptr) == HttpTransfer::Next::end);
  }

  SUBCASE("a failure")
  {
    const auto transfer = aigw::net::finished_transfer(aigw::util::unexpected(
      aigw::net::HttpError{HttpErrorKind::connect, "GET http://127.0.0.1:1/: refused"}));
    CHECK_FALSE(transfer->wait_head(nullptr));
    REQUIRE(transfer->error());
    CHECK(transfer->error()->message == "GET http://127.0.0.1:1/: refused");
  }
}
