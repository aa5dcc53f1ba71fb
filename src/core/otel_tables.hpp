// SPDX-License-Identifier: MIT
// The Unity Catalog tables Databricks' OTLP endpoint writes into, and the SQL that creates
// them. Every name a user types is checked against Unity Catalog's rules and then quoted
// with backticks, so nothing typed ever reaches SQL unquoted. The DDL comes from
// templates/*.sql, compiled into the binary.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace aigw::core {

// Longest Unity Catalog object name.
constexpr std::size_t k_max_uc_name = 255;

// Check one name part given with `option` (--catalog, --schema, --prefix): letters, digits,
// "_" and "-", at most `max_length` characters. The usage error names the option and the
// first character that is not allowed.
util::Result<void> validate_uc_name(std::string_view value, std::string_view option,
                                    std::size_t max_length = k_max_uc_name);

// `part` in backticks (a backtick inside doubled, although validation rejects it).
std::string quote_uc_part(std::string_view part);

enum class OtelSignal { metrics, logs, spans };

struct OtelTable
{
  OtelSignal signal = OtelSignal::metrics;
  std::string name;      // <prefix>_otel_metrics
  std::string full_name; // catalog.schema.<prefix>_otel_metrics
  std::string quoted;    // `catalog`.`schema`.`<prefix>_otel_metrics`
};

struct TableNames
{
  std::string catalog;
  std::string schema;
  std::string prefix;
};

// Validate `names` and list the tables: metrics and logs, and spans when `spans` is set.
util::Result<std::vector<OtelTable>> otel_tables(const TableNames& names, bool spans);

// CREATE TABLE IF NOT EXISTS for `table`, from its template (comment lines left out).
std::string create_table_sql(const OtelTable& table);

// CREATE SCHEMA IF NOT EXISTS `catalog`.`schema`.
std::string create_schema_sql(const TableNames& names);

// SHOW TABLES IN `catalog`.`schema` LIKE '<prefix>_otel_*'.
std::string show_tables_sql(const TableNames& names);

// The text of templates/`name`, as compiled in; nullopt for an unknown name.
std::optional<std::string_view> embedded_template(std::string_view name);

} // namespace aigw::core
