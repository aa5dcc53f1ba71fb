// SPDX-License-Identifier: MIT
// Names and DDL of the OTel tables. Unity Catalog accepts almost anything inside backticks
// but rejects ".", space, "/" and control characters in object names even there; we are
// stricter still and take only letters, digits, "_" and "-", which is what every OTel table
// name in the Databricks documentation uses, and which needs no escaping anywhere else
// (the X-Databricks-UC-Table-Name header, TOML and JSON config values).
#include "core/otel_tables.hpp"

#include <cstdio>

namespace aigw::core {

namespace {

using util::ErrorKind;

bool
allowed(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '-';
}

// How an error message shows character `c`: "." in quotes, or a name when it is invisible.
std::string
describe_char(char c)
{
  const auto byte = static_cast<unsigned char>(c);
  if (c == ' ') {
    return "a space";
  }
  if (byte < 0x20 || byte == 0x7f) {
    char text[32];
    std::snprintf(text, sizeof text, "control character 0x%02x", byte);
    return text;
  }
  if (byte >= 0x80) {
    char text[32];
    std::snprintf(text, sizeof text, "non-ASCII byte 0x%02x", byte);
    return text;
  }
  return "\"" + std::string(1, c) + "\"";
}

constexpr const char* k_rule = "Unity Catalog names here take only letters, digits, \"_\" and "
                               "\"-\"";

std::string
table_suffix(OtelSignal signal)
{
  switch (signal) {
  case OtelSignal::metrics:
    return "_otel_metrics";
  case OtelSignal::logs:
    return "_otel_logs";
  case OtelSignal::spans:
    return "_otel_spans";
  }
  return "_otel_metrics";
}

std::string
template_name(OtelSignal signal)
{
  return "otel" + table_suffix(signal).substr(5) + ".sql";
}

} // namespace

util::Result<void>
validate_uc_name(std::string_view value, std::string_view option, std::size_t max_length)
{
  const std::string name(option);
  if (value.empty()) {
    return util::fail(ErrorKind::usage, name + " is empty; " + k_rule);
  }
  for (const char c : value) {
    if (!allowed(c)) {
      return util::fail(ErrorKind::usage, name + ": " + describe_char(c) + " is not allowed; "
                                            + k_rule);
    }
  }
  if (value.size() > max_length) {
    return util::fail(ErrorKind::usage, name + " is " + std::to_string(value.size())
                                          + " characters long; at most "
                                          + std::to_string(max_length) + " fit here");
  }
  return {};
}

std::string
quote_uc_part(std::string_view part)
{
  std::string quoted = "`";
  for (const char c : part) {
    quoted += c == '`' ? "``" : std::string(1, c);
  }
  return quoted + "`";
}

util::Result<std::vector<OtelTable>>
otel_tables(const TableNames& names, bool spans)
{
  AIGW_TRY(validate_uc_name(names.catalog, "--catalog"));
  AIGW_TRY(validate_uc_name(names.schema, "--schema"));
  // The longest suffix must still fit in a table name.
  const std::size_t longest_suffix = table_suffix(OtelSignal::metrics).size();
  AIGW_TRY(validate_uc_name(names.prefix, "--prefix", k_max_uc_name - longest_suffix));

  std::vector<OtelSignal> signals{OtelSignal::metrics, OtelSignal::logs};
  if (spans) {
    signals.push_back(OtelSignal::spans);
  }
  std::vector<OtelTable> tables;
  for (const OtelSignal signal : signals) {
    OtelTable table;
    table.signal = signal;
    table.name = names.prefix + table_suffix(signal);
    table.full_name = names.catalog + "." + names.schema + "." + table.name;
    table.quoted = quote_uc_part(names.catalog) + "." + quote_uc_part(names.schema) + "."
                   + quote_uc_part(table.name);
    tables.push_back(std::move(table));
  }
  return tables;
}

std::string
create_table_sql(const OtelTable& table)
{
  const auto text = embedded_template(template_name(table.signal));
  std::string sql;
  std::string_view rest = text.value_or("");
  // The leading "--" lines describe the template, not the table.
  while (rest.starts_with("--")) {
    const std::size_t end = rest.find('\n');
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) {
    rest.remove_suffix(1);
  }

  const std::string_view marker = "@TABLE@";
  const std::size_t at = rest.find(marker);
  if (at == std::string_view::npos) {
    return std::string(rest);
  }
  sql.append(rest.substr(0, at)).append(table.quoted).append(rest.substr(at + marker.size()));
  return sql;
}

std::string
create_schema_sql(const TableNames& names)
{
  return "CREATE SCHEMA IF NOT EXISTS " + quote_uc_part(names.catalog) + "."
         + quote_uc_part(names.schema);
}

std::string
show_tables_sql(const TableNames& names)
{
  // A validated prefix holds nothing a SHOW TABLES pattern treats specially ("*", "|", ".").
  return "SHOW TABLES IN " + quote_uc_part(names.catalog) + "." + quote_uc_part(names.schema)
         + " LIKE '" + names.prefix + "_otel_*'";
}

} // namespace aigw::core
