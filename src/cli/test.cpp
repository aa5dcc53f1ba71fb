// SPDX-License-Identifier: MIT
// `test [claude|codex|gemini|cursor|otel]...`: one real round trip per route, all at once,
// then a table of route, URL, status, latency, verdict and remedy (or the same as JSON with
// --json). Exit 0 when every route passed, 1 when one failed, 2 for a usage error. The work
// is core/round_trip*.cpp; this file reads the options, prints, and picks the exit code.
#include <algorithm>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "core/agents.hpp"
#include "core/credentials.hpp"
#include "core/round_trip_targets.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace aigw::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr int k_default_timeout = 15;
constexpr int k_max_timeout = 600;
constexpr std::size_t k_width = 100;  // where the remedy wraps
constexpr std::size_t k_ms_width = 6; // up to 999999 ms, beyond the longest timeout

struct TestOptions
{
  std::vector<std::string> routes;
  core::RouteOptions urls;
  std::optional<std::string> claude_model;
  std::optional<std::string> codex_model;
  std::optional<std::string> gemini_model;
  std::optional<std::string> cursor_model;
  std::optional<std::string> metrics_table;
  std::optional<std::string> logs_table;
  core::TokenInput token;
  std::vector<std::string> headers;
  int timeout_seconds = k_default_timeout;
  bool skip_untestable = false;
};

void
add_options(CLI::App& command, TestOptions& options)
{
  command.add_option("routes", options.routes, "claude, codex, gemini, cursor, otel")
    ->check(CLI::IsMember({"claude", "codex", "gemini", "cursor", "otel"}));
  command.add_option("--gateway", options.urls.gateway, "AI Gateway base URL");
  command.add_option("--workspace", options.urls.workspace, "Databricks workspace URL");
  for (const auto& [name, url, model] :
       {std::tuple{"claude", &options.urls.claude_url, &options.claude_model},
        std::tuple{"codex", &options.urls.codex_url, &options.codex_model},
        std::tuple{"gemini", &options.urls.gemini_url, &options.gemini_model},
        std::tuple{"cursor", &options.urls.cursor_url, &options.cursor_model}}) {
    command.add_option(std::string("--") + name + "-url", *url, std::string(name) + " route");
    command.add_option(std::string("--") + name + "-model", *model,
                       std::string(name) + " model (default: the configured one)");
  }
  command.add_option("--metrics-table", options.metrics_table, "catalog.schema.table for metrics");
  command.add_option("--logs-table", options.logs_table, "catalog.schema.table for logs");
  command.add_flag("--token-stdin", options.token.from_stdin, "read the token from stdin");
  command.add_option("--token-file", options.token.file, "read the token from this file");
  // One value per --header, so that route names may follow it.
  command.add_option("--header", options.headers, "extra header \"Name: value\" (repeat)")
    ->allow_extra_args(false);
  command.add_option("--timeout", options.timeout_seconds, "seconds each route may take")
    ->capture_default_str();
}

// The token given for this run, with the words a remedy uses for it; nullopt when none was.
std::optional<core::RouteCredential>
given_token(const TestOptions& options, Context& context)
{
  const auto& input = options.token;
  std::string source = "$DATABRICKS_TOKEN";
  if (input.from_stdin) {
    source = "the token from standard input";
  } else if (input.file) {
    source = "the token in " + input.file->string();
  } else if (!context.env("DATABRICKS_TOKEN")) {
    return std::nullopt;
  }
  auto token = util::value_or_throw(core::read_token(input, context.in, context.env));
  return core::RouteCredential{std::move(token), std::nullopt, source};
}

core::RouteSelection
selection_of(const TestOptions& options, Context& context)
{
  if (options.timeout_seconds < 1 || options.timeout_seconds > k_max_timeout) {
    throw util::Fatal(util::ErrorKind::usage,
                      "--timeout " + std::to_string(options.timeout_seconds)
                        + ": give 1 to " + std::to_string(k_max_timeout) + " seconds");
  }
  core::RouteSelection selection;
  selection.routes = options.routes;
  selection.urls = options.urls;
  selection.env_workspace = context.env("DATABRICKS_HOST");
  for (const auto& [agent, model] : {std::pair{"claude", &options.claude_model},
                                     std::pair{"codex", &options.codex_model},
                                     std::pair{"gemini", &options.gemini_model},
                                     std::pair{"cursor", &options.cursor_model}}) {
    if (*model) {
      selection.models[agent] = **model;
    }
  }
  selection.metrics_table = options.metrics_table;
  selection.logs_table = options.logs_table;
  selection.token = given_token(options, context);
  for (const auto& text : options.headers) {
    const auto header = util::value_or_throw(core::parse_header(text));
    selection.headers.set(header.name, header.value);
  }
  selection.timeout = std::chrono::seconds(options.timeout_seconds);
  selection.skip_untestable = options.skip_untestable;
  return selection;
}

Json
result_json(const core::RoundTripResult& result)
{
  return {{"route", core::to_string(result.kind)},
          {"url", result.url},
          {"status", result.status == 0 ? Json() : Json(result.status)},
          {"error", result.error ? Json(net::to_string(*result.error)) : Json()},
          {"ms", result.latency_ms},
          {"verdict", core::to_string(result.verdict)},
          {"cause", result.cause},
          {"remedy", result.remedy},
          {"models", result.models}};
}

// `text` cut into lines of at most `width` characters at spaces, each after `indent`.
std::vector<std::string>
wrapped(const std::string& text, std::size_t indent, std::size_t width)
{
  std::vector<std::string> lines;
  std::string line;
  for (const auto& word : util::split(text, ' ')) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      lines.push_back(std::string(indent, ' ') + line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  lines.push_back(std::string(indent, ' ') + line);
  return lines;
}

std::vector<std::string>
table_cells(const core::RoundTripResult& result)
{
  const std::string ms = std::to_string(result.latency_ms);
  return {core::to_string(result.kind), result.url,
          result.status == 0 ? "-" : std::to_string(result.status),
          std::string(k_ms_width > ms.size() ? k_ms_width - ms.size() : 0, ' ') + ms,
          core::to_string(result.verdict), result.remedy.empty() ? "-" : result.remedy};
}

// The table: the columns aligned, the remedy last; a remedy that would pass k_width starts
// on the next line, indented, and wraps there.
void
print_table(Context& context, const std::vector<core::RoundTripResult>& results)
{
  std::vector<std::vector<std::string>> rows{
    {"route", "url", "status", std::string(k_ms_width - 2, ' ') + "ms", "verdict", "remedy"}};
  for (const auto& result : results) {
    rows.push_back(table_cells(result));
  }
  const auto widths = util::column_widths(rows);
  for (const auto& row : rows) {
    const std::string line = util::padded_columns(row, widths);
    // Short remedies ("-") stay on their row whatever its width.
    if (line.size() + row[5].size() <= k_width || row[5].size() <= k_ms_width) {
      context.out.line(line + row[5]);
      continue;
    }
    context.out.line(std::string(util::trim(line)));
    for (const auto& more : wrapped(row[5], 4, k_width)) {
      context.out.line(more);
    }
  }
}

ExitCode
run_test(const TestOptions& options, Context& context)
{
  // A round trip is the whole of test: held back, it would show nothing, and going ahead
  // would send the requests a dry run promised not to.
  if (context.global.dry_run) {
    throw util::Fatal(util::ErrorKind::usage,
                      "test sends a real request on each route, so --dry-run has nothing to "
                      "show; run `aigw-setup test` without it, or `aigw-setup status` to see "
                      "the configured routes without a request");
  }
  const auto selection = selection_of(options, context);
  const auto state = util::value_or_throw(core::load_configured_state(context.paths, context.env));
  const auto plan = util::value_or_throw(core::plan_round_trips(selection, state));
  for (const auto& reason : plan.skipped) {
    AIGW_WARN("skipped " << reason);
  }

  const auto http = net::make_curl_client();
  // Remedies name --home as test was given it, so that copying one changes this home.
  const auto home = context.global.home ? std::optional(context.paths.home) : std::nullopt;
  const core::RoundTripEnv env{context.env, {}, core::aigw_invocation(home)};
  const auto results = core::run_round_trips(plan.targets, *http, env);
  const auto passed = std::count_if(results.begin(), results.end(), [](const auto& result) {
    return result.verdict == core::Verdict::pass;
  });
  const auto failed = static_cast<long>(results.size()) - passed;

  print_table(context, results);
  context.out.line(std::to_string(passed) + " passed, " + std::to_string(failed) + " failed");
  Json routes = Json::array();
  for (const auto& result : results) {
    routes.push_back(result_json(result));
  }
  context.out.document({{"command", "test"}, {"routes", routes}, {"passed", passed},
                        {"failed", failed}});
  return failed == 0 ? ExitCode::ok : ExitCode::failed;
}

} // namespace

ExitCode
run_test_routes(const std::vector<std::string>& routes, Context& context)
{
  TestOptions options;
  options.routes = routes;
  options.skip_untestable = true;
  return run_test(options, context);
}

CommandRunner
setup_test(CLI::App& command)
{
  auto options = std::make_shared<TestOptions>();
  add_options(command, *options);
  command.footer("\nExamples:\n"
                 "  aigw-setup test\n"
                 "  aigw-setup test claude codex --timeout 30\n"
                 "  aigw-setup --json test otel --workspace https://adb-1.azuredatabricks.net "
                 "--metrics-table main.default.cc_otel_metrics\n");
  return [options](Context& context) { return run_test(*options, context); };
}

} // namespace aigw::cli
