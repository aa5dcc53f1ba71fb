// SPDX-License-Identifier: MIT
// Environment checks: the proxy and CA variables the agents (and aigw-setup) read. A proxy
// that also catches loopback traffic breaks every route through the local relay; a CA
// variable naming a missing or empty file breaks TLS behind a company proxy, and the
// Node-based agents (Claude Code, Gemini CLI) read NODE_EXTRA_CA_CERTS, not SSL_CERT_FILE.
#include <algorithm>
#include <filesystem>

#include "core/doctor_support.hpp"
#include "core/gateway.hpp"
#include "util/fs.hpp"
#include "util/strings.hpp"

namespace aigw::core {

namespace {

constexpr const char* k_group = "environment";

const std::vector<std::string> k_proxy_variables{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
                                                 "http_proxy",  "ALL_PROXY",   "all_proxy"};

// `url` with a user:password@ part shown as ***@.
std::string
without_credentials(const std::string& url)
{
  const std::size_t scheme = url.find("://");
  const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const std::size_t at = url.find('@', start);
  if (at == std::string::npos || url.find('/', start) < at) {
    return url;
  }
  return url.substr(0, start) + "***" + url.substr(at);
}

// Whether a NO_PROXY list exempts `host`.
bool
exempted(const std::string& no_proxy, std::string host)
{
  if (host.size() > 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  for (auto entry : util::split(no_proxy, ',')) {
    entry = std::string(util::trim(entry));
    if (entry.size() > 2 && entry.front() == '[') {
      entry = entry.substr(1, entry.size() - 2);
    }
    const std::string suffix = entry.starts_with(".") ? entry : "." + entry;
    if (entry == "*" || entry == host || (!entry.empty() && host.ends_with(suffix))) {
      return true;
    }
  }
  return false;
}

// The loopback hosts the agents are pointed at (the local relay).
std::vector<std::string>
loopback_hosts(const DoctorInputs& inputs)
{
  std::vector<std::string> hosts;
  for (const auto& [agent, summary] : inputs.manifest.agents) {
    const std::string host = url_host(summary.value("route", std::string()));
    if (is_loopback_host(host) && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      hosts.push_back(host);
    }
  }
  return hosts;
}

Check
proxy_check(const DoctorInputs& inputs)
{
  std::vector<std::string> set;
  for (const auto& name : k_proxy_variables) {
    if (const auto value = inputs.env.value(name)) {
      set.push_back(name + "=" + without_credentials(*value));
      if (value->find("://") == std::string::npos) {
        return warned(k_group, "environment.proxy",
                      name + "=" + without_credentials(*value)
                        + " has no scheme: the agents may not read it as a proxy",
                      "write it as a URL: export " + name + "=http://"
                        + without_credentials(*value));
      }
    }
  }
  if (set.empty()) {
    return passed(k_group, "environment.proxy", "no proxy variable is set");
  }
  const std::string no_proxy = inputs.env.value("NO_PROXY").value_or(
    inputs.env.value("no_proxy").value_or(""));
  for (const auto& host : loopback_hosts(inputs)) {
    if (!exempted(no_proxy, host)) {
      return failed(k_group, "environment.proxy",
                    util::join(set, ", ") + " also catches the local relay at " + host
                      + ", which no proxy can reach",
                    "export NO_PROXY=127.0.0.1,localhost,::1 (and no_proxy, the same)");
    }
  }
  return passed(k_group, "environment.proxy",
                util::join(set, ", ") + " carries the requests to the gateway");
}

// The problem with CA variable `name` set to `value`, if any.
std::optional<std::string>
ca_problem(const std::string& name, const std::string& value)
{
  std::error_code error;
  if (name == "SSL_CERT_DIR") {
    return std::filesystem::is_directory(value, error)
             ? std::nullopt
             : std::optional<std::string>(name + "=" + value + " is not a folder");
  }
  auto content = util::read_file_if_exists(value);
  if (!content || !content->has_value()) {
    return name + "=" + value + " names no readable file";
  }
  if ((*content)->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return name + "=" + value + " holds no PEM certificate";
  }
  return std::nullopt;
}

std::vector<Check>
ca_checks(const DoctorInputs& inputs)
{
  std::vector<Check> checks;
  bool any = false;
  for (const char* name :
       {"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"}) {
    const auto value = inputs.env.value(name);
    any = any || value.has_value();
    if (const auto problem = value ? ca_problem(name, *value) : std::nullopt) {
      checks.push_back(failed(k_group, "environment.ca_bundle",
                              *problem + ": TLS to the gateway fails where it is needed",
                              "point " + std::string(name)
                                + " at your company's CA bundle (a PEM file), or unset it"));
    }
  }
  const auto cert_file = inputs.env.value("SSL_CERT_FILE");
  if (cert_file && !inputs.env.value("NODE_EXTRA_CA_CERTS")) {
    checks.push_back(warned(k_group, "environment.ca_bundle",
                            "SSL_CERT_FILE is set but NODE_EXTRA_CA_CERTS is not: Claude Code "
                            "and Gemini CLI (Node) do not read SSL_CERT_FILE",
                            "export NODE_EXTRA_CA_CERTS=" + *cert_file));
  }
  if (checks.empty()) {
    checks.push_back(passed(k_group, "environment.ca_bundle",
                            any ? "the CA variables name readable PEM certificates"
                                : "no CA variable is set: the agents use their own trust "
                                  "stores"));
  }
  return checks;
}

} // namespace

std::vector<Check>
environment_checks(const DoctorInputs& inputs)
{
  std::vector<Check> checks{proxy_check(inputs)};
  auto ca = ca_checks(inputs);
  checks.insert(checks.end(), ca.begin(), ca.end());
  return checks;
}

} // namespace aigw::core
