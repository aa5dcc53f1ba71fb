// SPDX-License-Identifier: MIT
// Cursor's state database (state.vscdb, SQLite) seen as a Document. Cursor keeps its
// OpenAI key and base-URL override in rows of `ItemTable(key, value)`; some rows hold a
// JSON blob. A path's first element names a row; further elements walk into the row's JSON.
//
// The bytes are loaded into an in-memory database (sqlite3_deserialize), edited there, and
// serialized back, so the write itself goes through the same SafeWriter (backup,
// temporary file, rename) as every text file. That is only sound while Cursor is closed
// and has no write-ahead log pending, which the Cursor planner checks before it gets here.
#include "config/document.hpp"

#include <cstring>

#include <sqlite3.h>

namespace aigw::config {

namespace {

// Bytes 18 and 19 of the header say "WAL mode"; an in-memory database cannot be in WAL
// mode, so they are set to rollback for the edit and put back on the way out.
constexpr std::size_t k_write_version_offset = 18;
constexpr std::size_t k_header_size = 100;

struct DbCloser
{
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StatementCloser
{
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementCloser>;

Statement
prepare(sqlite3* db, const char* sql)
{
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
  return Statement(statement);
}

util::Expected<DbHandle, ParseError>
open_image(std::string bytes)
{
  const std::string magic("SQLite format 3\0", 16);
  if (bytes.size() < k_header_size || bytes.compare(0, magic.size(), magic) != 0) {
    return util::unexpected(ParseError{1, 1, "not an SQLite database"});
  }
  bytes[k_write_version_offset] = 1;
  bytes[k_write_version_offset + 1] = 1;

  sqlite3* raw = nullptr;
  sqlite3_open(":memory:", &raw);
  DbHandle db(raw);
  const auto size = static_cast<sqlite3_int64>(bytes.size());
  auto* image = static_cast<unsigned char*>(sqlite3_malloc64(bytes.size()));
  std::memcpy(image, bytes.data(), bytes.size());
  const unsigned flags = SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE;
  if (sqlite3_deserialize(db.get(), "main", image, size, size, flags) != SQLITE_OK) {
    return util::unexpected(ParseError{1, 1, "not a readable SQLite database"});
  }
  Statement check = prepare(db.get(), "SELECT key, value FROM ItemTable LIMIT 1");
  if (!check) {
    return util::unexpected(
      ParseError{1, 1, "no ItemTable(key, value): not a Cursor state database"});
  }
  return db;
}

class CursorStateDocument final : public Document
{
public:
  CursorStateDocument(DbHandle db, std::string header_bytes)
    : m_db(std::move(db)), m_write_version(std::move(header_bytes))
  {
    serialize();
  }

  std::optional<Json> get(const KeyPath& path) const override
  {
    if (path.empty()) {
      return std::nullopt;
    }
    auto row = read_row(path.front());
    if (!row || path.size() == 1) {
      return row ? std::optional<Json>(*row) : std::nullopt;
    }
    const Json blob = Json::parse(*row, nullptr, false);
    const Json* node = &blob;
    for (auto key = path.begin() + 1; key != path.end(); ++key) {
      if (!node->is_object() || !node->contains(*key)) {
        return std::nullopt;
      }
      node = &(*node)[*key];
    }
    return *node;
  }

  util::Expected<void, std::string> set(const KeyPath& path, const Json& value) override
  {
    if (path.empty()) {
      return util::unexpected(std::string("a row name is needed"));
    }
    if (path.size() == 1) {
      if (!value.is_string()) {
        return util::unexpected("row " + path.front() + " takes a string");
      }
      return write_row(path.front(), value.get<std::string>());
    }
    auto blob = blob_of(path.front());
    if (!blob) {
      return util::unexpected("row " + path.front() + " does not hold a JSON object");
    }
    Json* node = &*blob;
    for (auto key = path.begin() + 1; key + 1 != path.end(); ++key) {
      Json& child = (*node)[*key];
      if (child.is_null()) {
        child = Json::object();
      }
      if (!child.is_object()) {
        return util::unexpected(*key + " in row " + path.front() + " is not an object");
      }
      node = &child;
    }
    (*node)[path.back()] = value;
    return write_row(path.front(), blob->dump());
  }

  bool remove(const KeyPath& path) override
  {
    if (path.size() == 1) {
      Statement statement = prepare(m_db.get(), "DELETE FROM ItemTable WHERE key = ?1");
      sqlite3_bind_text(statement.get(), 1, path.front().c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_step(statement.get());
      const bool removed = sqlite3_changes(m_db.get()) > 0;
      serialize();
      return removed;
    }
    auto blob = blob_of(path.front());
    if (!blob || !get(path)) {
      return false;
    }
    Json* node = &*blob;
    for (auto key = path.begin() + 1; key + 1 != path.end(); ++key) {
      node = &(*node)[*key];
    }
    node->erase(path.back());
    return write_row(path.front(), blob->dump()).has_value();
  }

  bool is_empty_container(const KeyPath& path) const override
  {
    if (path.empty()) {
      return false; // the database is Cursor's own: never ours to delete
    }
    auto value = get(path);
    return value && value->is_object() && value->empty();
  }

  const std::string& text() const override { return m_bytes; }

private:
  std::optional<std::string> read_row(const std::string& key) const
  {
    Statement statement = prepare(m_db.get(), "SELECT value FROM ItemTable WHERE key = ?1");
    sqlite3_bind_text(statement.get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(statement.get()) != SQLITE_ROW) {
      return std::nullopt;
    }
    const auto* data = static_cast<const char*>(sqlite3_column_blob(statement.get(), 0));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement.get(), 0));
    return data ? std::string(data, size) : std::string();
  }

  // The row's JSON object; a missing row is an empty object.
  std::optional<Json> blob_of(const std::string& key) const
  {
    auto row = read_row(key);
    if (!row) {
      return Json::object();
    }
    Json blob = Json::parse(*row, nullptr, false);
    if (!blob.is_object()) {
      return std::nullopt;
    }
    return blob;
  }

  util::Expected<void, std::string> write_row(const std::string& key, const std::string& value)
  {
    // Cursor reads values back as text; keep the storage class the row already had.
    Statement statement = prepare(
      m_db.get(),
      "INSERT INTO ItemTable(key, value) VALUES(?1, ?2) "
      "ON CONFLICT(key) DO UPDATE SET value = CASE typeof(value) WHEN 'blob' "
      "THEN CAST(excluded.value AS BLOB) ELSE excluded.value END");
    sqlite3_bind_text(statement.get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement.get(), 2, value.c_str(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    if (!statement || sqlite3_step(statement.get()) != SQLITE_DONE) {
      return util::unexpected("cannot write row " + key + ": " + sqlite3_errmsg(m_db.get()));
    }
    serialize();
    return {};
  }

  void serialize()
  {
    sqlite3_int64 size = 0;
    unsigned char* image = sqlite3_serialize(m_db.get(), "main", &size, 0);
    m_bytes.assign(reinterpret_cast<const char*>(image), static_cast<std::size_t>(size));
    sqlite3_free(image);
    m_bytes.replace(k_write_version_offset, 2, m_write_version);
  }

  DbHandle m_db;
  std::string m_write_version; // the original header bytes 18 and 19
  std::string m_bytes;
};

} // namespace

util::Expected<std::unique_ptr<Document>, ParseError>
parse_cursor_state(std::string bytes)
{
  auto db = open_image(bytes);
  if (!db) {
    return util::unexpected(db.error());
  }
  std::string write_version = bytes.substr(k_write_version_offset, 2);
  return std::unique_ptr<Document>(
    std::make_unique<CursorStateDocument>(std::move(*db), std::move(write_version)));
}

std::string
cursor_state_listing(const std::string& bytes)
{
  auto db = open_image(bytes);
  if (!db) {
    return "";
  }
  std::string listing;
  Statement rows = prepare(db->get(), "SELECT key, value FROM ItemTable ORDER BY key");
  while (rows && sqlite3_step(rows.get()) == SQLITE_ROW) {
    const auto* key = reinterpret_cast<const char*>(sqlite3_column_text(rows.get(), 0));
    const auto* data = static_cast<const char*>(sqlite3_column_blob(rows.get(), 1));
    const std::string value(data ? data : "",
                            static_cast<std::size_t>(sqlite3_column_bytes(rows.get(), 1)));
    const Json blob = Json::parse(value, nullptr, false);
    listing += std::string(key ? key : "") + " = "
               + (blob.is_object() ? blob.dump(2) : value) + "\n";
  }
  return listing;
}

} // namespace aigw::config
