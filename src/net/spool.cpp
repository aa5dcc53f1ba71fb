// SPDX-License-Identifier: MIT
// The telemetry spool: one file per OTel export, named <20-digit sequence>.otlp and made of
// a JSON header line ({"version","path","headers","body_bytes"}) and the body as received.
// Files are written through write_durably (net/spool_files.cpp), so a name without .tmp
// always holds a whole record. One process appends (the relay; a mutex orders its
// threads), any number may read, and flush_spool (net/spool_flush.cpp) lets one deliverer
// at a time work, by an flock on flush.lock that appends never wait for.
//
// When can the workspace get a record twice? A record is removed only after a 2xx, and
// the removal is made durable before the next record goes out. So a duplicate happens
// exactly when the workspace took a record but the removal did not happen: the process died
// (or the machine lost power before the removal reached the disk) between the 2xx and the
// removal, or the workspace took the export and its 2xx never arrived (a timeout or reset
// on the way back), which leaves the record to be sent again. A record is never lost by
// the spool: only the cap drops records, and it counts each one in the `dropped` file.
#include "net/spool.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "net/spool_files.hpp"
#include "net/wire.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

namespace aigw::net {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr std::string_view k_record_suffix = ".otlp";
constexpr std::size_t k_sequence_digits = 20;
constexpr const char* k_dropped_file = "dropped";
constexpr int k_format_version = 1;
// A header line is a few hundred bytes; anything far longer is not one of ours.
constexpr std::size_t k_max_header_bytes = 64 * 1024;

util::Unexpected<util::Error>
write_error(const fs::path& path, const char* what)
{
  return util::fail(util::ErrorKind::write,
                    std::string("cannot ") + what + " " + path.string() + ": "
                      + util::errno_text(errno));
}

std::string
record_name(std::uint64_t sequence)
{
  std::string digits = std::to_string(sequence);
  return std::string(k_sequence_digits - digits.size(), '0') + digits
         + std::string(k_record_suffix);
}

// The sequence in a record file name, or nullopt for any other name.
std::optional<std::uint64_t>
sequence_of(std::string_view name)
{
  if (name.size() != k_sequence_digits + k_record_suffix.size()
      || !name.ends_with(k_record_suffix)) {
    return std::nullopt;
  }
  std::uint64_t sequence = 0;
  const char* end = name.data() + k_sequence_digits;
  const auto [stop, error] = std::from_chars(name.data(), end, sequence);
  if (error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return sequence;
}

bool
is_header_text(std::string_view text)
{
  for (char c : text) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return false;
    }
  }
  return true;
}

util::Result<void>
check_record(const SpoolRecord& record)
{
  const auto routed = route_of(record.path);
  if (!routed || routed->route != Route::otel) {
    return util::fail(util::ErrorKind::usage,
                      "\"" + record.path + "\" is not an OTel ingest path; the spool keeps "
                                           "only exports to /api/2.0/otel/v1/...");
  }
  for (const auto& [name, value] : record.headers.items) {
    if (name.empty() || !is_header_text(name) || !is_header_text(value)) {
      return util::fail(util::ErrorKind::usage,
                        "an OTel export header holds a control character; it was not kept");
    }
  }
  return {};
}

std::string
encode_header(const SpoolRecord& record)
{
  Json headers = Json::array();
  for (const auto& [name, value] : record.headers.items) {
    headers.push_back(Json::array({name, value}));
  }
  const Json header{{"version", k_format_version},
                    {"path", record.path},
                    {"headers", headers},
                    {"body_bytes", record.body.size()}};
  return header.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

// Parse a header line into `record` (all but the body); the body size it announces.
util::Result<std::uint64_t>
decode_header(std::string_view line, SpoolRecord& record)
{
  const Json header = Json::parse(line, nullptr, false);
  const auto bad = [](const std::string& why) {
    return util::fail(util::ErrorKind::parse, "not a whole spool record: " + why);
  };
  if (header.is_discarded() || !header.is_object()) {
    return bad("the first line is not JSON");
  }
  const auto version = header.find("version");
  if (version == header.end() || *version != k_format_version) {
    return bad("unknown format version");
  }
  const auto path = header.find("path");
  const auto headers = header.find("headers");
  if (path == header.end() || !path->is_string() || headers == header.end()
      || !headers->is_array()) {
    return bad("no path or no headers");
  }
  record.path = path->get<std::string>();
  record.headers = Headers{};
  for (const auto& pair : *headers) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return bad("a header is not a [name, value] pair");
    }
    record.headers.add(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  if (!check_record(record)) {
    return bad("its path or a header is not one an OTel export has");
  }
  const auto size = header.find("body_bytes");
  if (size == header.end() || !size->is_number_unsigned()) {
    return bad("no body size");
  }
  return size->get<std::uint64_t>();
}

// The offset of the body in a record that begins with `head` (at least its header line)
// and is `file_size` bytes long; `record` gets all but the body.
util::Result<std::size_t>
decode_head(std::string_view head, std::uint64_t file_size, SpoolRecord& record)
{
  const std::size_t newline = head.find('\n');
  if (newline == std::string_view::npos) {
    return util::fail(util::ErrorKind::parse, "not a whole spool record: no header line");
  }
  auto body_bytes = decode_header(head.substr(0, newline), record);
  if (!body_bytes) {
    return util::unexpected(std::move(body_bytes).error());
  }
  if (newline + 1 + *body_bytes != file_size) {
    return util::fail(util::ErrorKind::parse, "not a whole spool record: the body is cut short");
  }
  return newline + 1;
}

// Whether `file` holds a whole record, reading only its header line.
util::Result<void>
check_whole(const fs::path& file, std::uint64_t file_size)
{
  std::ifstream in(file, std::ios::binary);
  std::string head(std::min<std::size_t>(file_size, k_max_header_bytes), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (!in) {
    return util::fail(util::ErrorKind::parse, "cannot read it");
  }
  SpoolRecord record;
  auto offset = decode_head(head, file_size, record);
  if (!offset) {
    return util::unexpected(std::move(offset).error());
  }
  return {};
}

std::uint64_t
read_dropped(const fs::path& file)
{
  auto content = util::read_file_if_exists(file);
  if (!content || !content->has_value()) {
    return 0;
  }
  std::uint64_t count = 0;
  const std::string& text = **content;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (error != std::errc() || (stop != text.data() + text.size() && *stop != '\n')) {
    AIGW_WARN(file.string() << " does not hold a count; counting dropped records from 0");
    return 0;
  }
  return count;
}

} // namespace

Spool::Spool(std::filesystem::path dir, std::uint64_t cap_bytes)
  : m_dir(std::move(dir)), m_cap_bytes(cap_bytes)
{
}

util::Result<Spool>
Spool::open(std::filesystem::path dir, std::uint64_t cap_bytes)
{
  AIGW_TRY(util::create_directories(dir, 0700));
  Spool spool(std::move(dir), cap_bytes);
  spool.m_dropped = read_dropped(spool.m_dir / k_dropped_file);
  AIGW_TRY(spool.scan_existing());
  return spool;
}

util::Result<void>
Spool::scan_existing()
{
  std::error_code error;
  fs::directory_iterator listing(m_dir, error);
  if (error) {
    return util::fail(util::ErrorKind::write,
                      "cannot list the spool " + m_dir.string() + ": " + error.message());
  }
  for (const auto& item : listing) {
    const std::string name = item.path().filename().string();
    if (name.ends_with(k_temp_suffix)) {
      remove_abandoned_temp(item.path());
      continue;
    }
    const auto sequence = sequence_of(name);
    if (!sequence) {
      continue;
    }
    // Never reuse a number that is on disk, whole or not: a rename would replace it.
    m_next_sequence = std::max(m_next_sequence, *sequence + 1);

    std::error_code size_error;
    const std::uint64_t size = item.file_size(size_error);
    if (size_error) {
      continue; // removed meanwhile, by a flush in another process
    }
    if (auto whole = check_whole(item.path(), size); !whole) {
      AIGW_WARN("skipping " << item.path().string() << ": " << whole.error().message
                            << "; the file is left as it is");
      m_ignored.insert(name);
      continue;
    }
    m_sizes[*sequence] = size;
  }
  return {};
}

util::Result<void>
Spool::append(const SpoolRecord& record)
{
  AIGW_TRY(check_record(record));
  const std::string header = encode_header(record);
  const std::uint64_t size = header.size() + record.body.size();

  const std::lock_guard lock(*m_mutex);
  if (size > m_cap_bytes) {
    AIGW_TRY(count_dropped(1));
    return util::fail(util::ErrorKind::failed,
                      "an OTel export of " + std::to_string(size) + " bytes is larger than "
                        + "the whole spool (" + std::to_string(m_cap_bytes)
                        + " bytes); it was dropped");
  }
  AIGW_TRY(make_room(size));

  const std::uint64_t sequence = m_next_sequence++;
  AIGW_TRY(write_durably(m_dir, record_name(sequence), header + record.body));
  m_sizes[sequence] = size;
  return {};
}

util::Result<void>
Spool::make_room(std::uint64_t needed)
{
  std::uint64_t total = 0;
  for (const auto& [sequence, size] : m_sizes) {
    total += size;
  }

  std::uint64_t dropped = 0;
  while (total + needed > m_cap_bytes && !m_sizes.empty()) {
    const auto oldest = m_sizes.begin();
    const fs::path file = m_dir / record_name(oldest->first);
    // A record another process already delivered and removed frees its room for nothing.
    if (::unlink(file.c_str()) == 0) {
      ++dropped;
    } else if (errno != ENOENT) {
      return write_error(file, "drop the oldest record");
    }
    total -= oldest->second;
    m_sizes.erase(oldest);
  }
  if (dropped > 0) {
    AIGW_WARN("the telemetry spool " << m_dir.string() << " is full: dropped the " << dropped
                                     << " oldest record(s)");
    AIGW_TRY(count_dropped(dropped));
  }
  return {};
}

util::Result<void>
Spool::count_dropped(std::uint64_t count)
{
  m_dropped += count;
  return write_durably(m_dir, k_dropped_file, std::to_string(m_dropped) + "\n");
}

std::vector<SpoolEntry>
Spool::entries() const
{
  std::set<std::string> ignored;
  {
    const std::lock_guard lock(*m_mutex);
    ignored = m_ignored;
  }

  std::vector<SpoolEntry> found;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(m_dir, error)) {
    const std::string name = item.path().filename().string();
    const auto sequence = sequence_of(name);
    std::error_code size_error;
    const std::uint64_t size = sequence ? item.file_size(size_error) : 0;
    if (sequence && !size_error && !ignored.contains(name)) {
      found.push_back(SpoolEntry{item.path(), *sequence, size});
    }
  }
  std::sort(found.begin(), found.end(), [](const SpoolEntry& a, const SpoolEntry& b) {
    return a.sequence < b.sequence;
  });
  return found;
}

util::Result<SpoolRecord>
Spool::read(const SpoolEntry& entry) const
{
  auto content = util::read_file_if_exists(entry.file);
  if (!content) {
    return util::unexpected(std::move(content).error());
  }
  if (!content->has_value()) {
    return util::fail(util::ErrorKind::failed,
                      entry.file.string() + " is no longer in the spool");
  }

  const std::string& bytes = **content;
  SpoolRecord record;
  auto offset = decode_head(bytes, bytes.size(), record);
  if (!offset) {
    return util::fail(util::ErrorKind::parse,
                      entry.file.string() + ": " + std::move(offset).error().message);
  }
  record.body = bytes.substr(*offset);
  return record;
}

util::Result<void>
Spool::remove(const SpoolEntry& entry)
{
  if (::unlink(entry.file.c_str()) != 0 && errno != ENOENT) {
    return write_error(entry.file, "remove");
  }
  {
    const std::lock_guard lock(*m_mutex);
    m_sizes.erase(entry.sequence);
  }
  // Until the folder is synced a crash could bring the record back, to be sent again.
  return sync_folder(m_dir);
}

std::uint64_t
Spool::dropped() const
{
  const std::lock_guard lock(*m_mutex);
  return m_dropped;
}

std::uint64_t
Spool::size_bytes() const
{
  std::uint64_t total = 0;
  for (const SpoolEntry& entry : entries()) {
    total += entry.size;
  }
  return total;
}

} // namespace aigw::net
