// SPDX-License-Identifier: MIT
// The network group: doctor sends no request of its own. The round trips of `test` come in
// as RouteOutcomes (see RoundTrips in doctor.hpp): each becomes a check with the verdict's
// cause and remedy, and the Date header of a reply tells whether this machine's clock
// agrees with the gateway's. A clock minutes off makes tokens and certificates look
// expired or not yet valid; a minute is within what one reply's latency can explain.
#include <cstdlib>
#include <ctime>

#include "core/doctor_support.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_group = "network";
constexpr auto k_clock_tolerance = std::chrono::seconds(60);
constexpr auto k_clock_limit = std::chrono::minutes(5);

std::optional<SystemTime>
parse_http_date(const std::string& text)
{
  std::tm parts{};
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(::timegm(&parts));
}

std::string
duration_text(std::chrono::seconds skew)
{
  const long long seconds = std::llabs(skew.count());
  return seconds < 120 ? std::to_string(seconds) + " s" : std::to_string(seconds / 60) + " min";
}

} // namespace

Check
clock_check(const std::string& date_header, SystemTime received_at)
{
  const auto gateway = parse_http_date(date_header);
  if (!gateway) {
    return warned(k_group, "network.clock",
                  "the gateway's Date header \"" + date_header + "\" is not an HTTP date, so "
                                                                 "the clock was not compared",
                  "nothing to do unless tokens are refused as expired");
  }
  const auto skew = std::chrono::duration_cast<std::chrono::seconds>(received_at - *gateway);
  const std::string direction = skew.count() > 0 ? " ahead of " : " behind ";
  if (std::chrono::abs(skew) < k_clock_tolerance) {
    return passed(k_group, "network.clock", "this machine's clock agrees with the gateway's");
  }
  const std::string cause = "this machine's clock is " + duration_text(skew) + direction
                            + "the gateway's: tokens and certificates may look expired or "
                              "not yet valid";
  const std::string remedy = "turn on automatic time (Linux: sudo timedatectl set-ntp true; "
                             "macOS: Date & Time > Set time automatically)";
  if (std::chrono::abs(skew) < k_clock_limit) {
    return warned(k_group, "network.clock", cause, remedy);
  }
  return failed(k_group, "network.clock", cause, remedy);
}

std::vector<Check>
network_checks(const std::vector<RouteOutcome>& outcomes)
{
  std::vector<Check> checks;
  std::optional<Check> clock;
  for (const auto& outcome : outcomes) {
    const std::string id = "network." + outcome.route;
    const std::string cause = outcome.route + " " + outcome.url + ": " + outcome.cause;
    checks.push_back(outcome.verdict == "pass" ? passed(k_group, id, cause)
                                               : failed(k_group, id, cause, outcome.remedy));
    if (!clock && outcome.date_header) {
      clock = clock_check(*outcome.date_header, outcome.received_at);
    }
  }
  add_check(checks, std::move(clock));
  return checks;
}

} // namespace aigw::core
