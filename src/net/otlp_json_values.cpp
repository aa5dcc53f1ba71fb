// SPDX-License-Identifier: MIT
// The leaves of an OTLP/JSON document: each JSON value checked against its protobuf field's
// type and stored through reflection (see otlp_json_values.hpp).
#include "net/otlp_json_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include "util/strings.hpp"

namespace aigw::net::otlp_json {

namespace {

namespace pb = google::protobuf;
using Field = pb::FieldDescriptor;

// ---------------------------------------------------------------------------- integers

// An integer as sign and magnitude, so that every protobuf integer type can be checked.
struct Integer
{
  bool negative = false;
  std::uint64_t magnitude = 0;
};

std::optional<Integer>
integer_of_string(const std::string& text)
{
  Integer integer;
  std::string_view digits = text;
  if (digits.starts_with('-')) {
    integer.negative = true;
    digits.remove_prefix(1);
  }
  const auto* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, integer.magnitude);
  if (digits.empty() || error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return integer;
}

std::optional<Integer>
integer_of(const Json& value)
{
  if (value.is_number_unsigned()) {
    return Integer{false, value.get<std::uint64_t>()};
  }
  if (value.is_number_integer()) {
    const auto number = value.get<std::int64_t>();
    const auto magnitude = number < 0 ? static_cast<std::uint64_t>(-(number + 1)) + 1
                                      : static_cast<std::uint64_t>(number);
    return Integer{number < 0, magnitude};
  }
  if (value.is_number_float()) {
    // A JavaScript exporter may write a large integer as 1.7e+18; a fraction is no integer.
    const double number = value.get<double>();
    if (!std::isfinite(number) || number != std::floor(number)) {
      return std::nullopt;
    }
    // Past 2^64 no field takes it: the largest magnitude makes the range check refuse it.
    const double magnitude = std::fabs(number);
    return Integer{number < 0, magnitude >= 0x1p64 ? std::numeric_limits<std::uint64_t>::max()
                                                   : static_cast<std::uint64_t>(magnitude)};
  }
  return value.is_string() ? integer_of_string(value.get<std::string>()) : std::nullopt;
}

std::optional<std::int64_t>
fit_signed(const Integer& integer, std::int64_t max)
{
  const auto limit = static_cast<std::uint64_t>(max) + (integer.negative ? 1U : 0U);
  if (integer.magnitude > limit) {
    return std::nullopt;
  }
  if (!integer.negative) {
    return static_cast<std::int64_t>(integer.magnitude);
  }
  return integer.magnitude == 0 ? 0 : -static_cast<std::int64_t>(integer.magnitude - 1) - 1;
}

std::optional<std::uint64_t>
fit_unsigned(const Integer& integer, std::uint64_t max)
{
  if ((integer.negative && integer.magnitude != 0) || integer.magnitude > max) {
    return std::nullopt;
  }
  return integer.magnitude;
}

// Store `integer` in `field` when it fits the field's type; false when it does not.
bool
store_integer(const Integer& integer, pb::Message& out, const Field& field)
{
  const pb::Reflection& reflection = *out.GetReflection();
  const bool add = field.is_repeated();
  switch (field.cpp_type()) {
  case Field::CPPTYPE_INT32: {
    const auto number = fit_signed(integer, std::numeric_limits<std::int32_t>::max());
    if (number) {
      const auto value = static_cast<std::int32_t>(*number);
      add ? reflection.AddInt32(&out, &field, value) : reflection.SetInt32(&out, &field, value);
    }
    return number.has_value();
  }
  case Field::CPPTYPE_INT64: {
    const auto number = fit_signed(integer, std::numeric_limits<std::int64_t>::max());
    if (number) {
      add ? reflection.AddInt64(&out, &field, *number) : reflection.SetInt64(&out, &field, *number);
    }
    return number.has_value();
  }
  case Field::CPPTYPE_UINT32: {
    const auto number = fit_unsigned(integer, std::numeric_limits<std::uint32_t>::max());
    if (number) {
      const auto value = static_cast<std::uint32_t>(*number);
      add ? reflection.AddUInt32(&out, &field, value) : reflection.SetUInt32(&out, &field, value);
    }
    return number.has_value();
  }
  default: { // CPPTYPE_UINT64
    const auto number = fit_unsigned(integer, std::numeric_limits<std::uint64_t>::max());
    if (number) {
      add ? reflection.AddUInt64(&out, &field, *number)
          : reflection.SetUInt64(&out, &field, *number);
    }
    return number.has_value();
  }
  }
}

util::Result<void>
set_integer(const Json& value, pb::Message& out, const Field& field, const std::string& path)
{
  const auto integer = integer_of(value);
  if (!integer) {
    const std::string got = value.is_string()   ? "a string that is not a decimal integer"
                            : value.is_number() ? "a number with a fraction"
                                                : kind_of(value);
    return bad(path, "expected an integer (a number or a decimal string), got " + got);
  }
  if (!store_integer(*integer, out, field)) {
    return bad(path, "the integer does not fit the field (" + std::string(field.type_name())
                       + ")");
  }
  return {};
}

// ---------------------------------------------------------------------------- other scalars

std::optional<double>
double_of(const Json& value)
{
  if (value.is_number()) {
    return value.get<double>();
  }
  if (!value.is_string()) {
    return std::nullopt;
  }
  const std::string text = value.get<std::string>();
  if (text == "NaN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (text == "Infinity" || text == "-Infinity") {
    const double infinity = std::numeric_limits<double>::infinity();
    return text.front() == '-' ? -infinity : infinity;
  }
  double number = 0;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || stop != text.data() + text.size()) {
    return std::nullopt;
  }
  return number;
}

util::Result<void>
set_double(const Json& value, pb::Message& out, const Field& field, const std::string& path)
{
  const auto number = double_of(value);
  if (!number) {
    return bad(path, "expected a number, got " + kind_of(value));
  }
  const pb::Reflection& reflection = *out.GetReflection();
  if (field.cpp_type() == Field::CPPTYPE_FLOAT) {
    const auto single = static_cast<float>(*number);
    field.is_repeated() ? reflection.AddFloat(&out, &field, single)
                        : reflection.SetFloat(&out, &field, single);
  } else {
    field.is_repeated() ? reflection.AddDouble(&out, &field, *number)
                        : reflection.SetDouble(&out, &field, *number);
  }
  return {};
}

util::Result<void>
set_bool(const Json& value, pb::Message& out, const Field& field, const std::string& path)
{
  if (!value.is_boolean()) {
    return bad(path, "expected true or false, got " + kind_of(value));
  }
  const pb::Reflection& reflection = *out.GetReflection();
  field.is_repeated() ? reflection.AddBool(&out, &field, value.get<bool>())
                      : reflection.SetBool(&out, &field, value.get<bool>());
  return {};
}

util::Result<void>
set_enum(const Json& value, pb::Message& out, const Field& field, const std::string& path)
{
  // OTLP/JSON sends numbers; protobuf's own JSON may send the value's name.
  std::optional<std::int64_t> number;
  const auto* named =
    value.is_string() ? field.enum_type()->FindValueByName(value.get<std::string>()) : nullptr;
  if (named) {
    number = named->number();
  } else if (const auto integer = integer_of(value)) {
    number = fit_signed(*integer, std::numeric_limits<std::int32_t>::max());
  }
  if (!number) {
    return bad(path, "expected a number of " + field.enum_type()->name() + ", got "
                       + kind_of(value));
  }
  const pb::Reflection& reflection = *out.GetReflection();
  const auto enum_number = static_cast<int>(*number);
  field.is_repeated() ? reflection.AddEnumValue(&out, &field, enum_number)
                      : reflection.SetEnumValue(&out, &field, enum_number);
  return {};
}

// ---------------------------------------------------------------------------- strings, bytes

std::optional<std::string>
hex_decode(std::string_view text)
{
  const auto nibble = [](char c) {
    const auto lower = static_cast<char>(c | 0x20);
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
  };
  std::string bytes;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    const int high = nibble(text[i]);
    const int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    bytes += static_cast<char>((high << 4) | low);
  }
  return bytes;
}

// The length in bytes of an id field that OTLP/JSON writes in hex; 0 for other bytes.
std::size_t
hex_id_length(const Field& field)
{
  if (field.name() == "trace_id") {
    return 16;
  }
  return field.name() == "span_id" || field.name() == "parent_span_id" ? 8 : 0;
}

util::Result<std::string>
bytes_of(const std::string& text, const Field& field, const std::string& path)
{
  const std::size_t id_length = hex_id_length(field);
  if (id_length == 0) {
    auto bytes = util::base64_decode(text);
    if (!bytes) {
      return bad(path, "expected base64 bytes, got a string with other characters");
    }
    return std::move(*bytes);
  }
  // An empty id is an id that is not set.
  if (!text.empty() && text.size() != 2 * id_length) {
    return bad(path, "expected " + std::to_string(2 * id_length) + " hex digits, got "
                       + std::to_string(text.size()) + " characters");
  }
  auto bytes = hex_decode(text);
  if (!bytes) {
    return bad(path, "expected hex digits (0-9, a-f), got other characters");
  }
  return std::move(*bytes);
}

util::Result<void>
set_string(const Json& value, pb::Message& out, const Field& field, const std::string& path)
{
  if (!value.is_string()) {
    return bad(path, "expected a string, got " + kind_of(value));
  }
  std::string text = value.get<std::string>();
  if (field.type() == Field::TYPE_BYTES) {
    auto bytes = bytes_of(text, field, path);
    AIGW_TRY(bytes);
    text = std::move(*bytes);
  }
  const pb::Reflection& reflection = *out.GetReflection();
  field.is_repeated() ? reflection.AddString(&out, &field, std::move(text))
                      : reflection.SetString(&out, &field, std::move(text));
  return {};
}

} // namespace

util::Unexpected<util::Error>
bad(const std::string& path, const std::string& what)
{
  return util::fail(util::ErrorKind::parse, (path.empty() ? "the body" : path) + ": " + what);
}

std::string
kind_of(const Json& value)
{
  switch (value.type()) {
  case Json::value_t::object:
    return "an object";
  case Json::value_t::array:
    return "a list";
  case Json::value_t::string:
    return "a string";
  case Json::value_t::boolean:
    return "true or false";
  case Json::value_t::null:
    return "null";
  default:
    return "a number";
  }
}

util::Result<void>
set_value(const Json& value, pb::Message& out, const Field& field, const std::string& path)
{
  switch (field.cpp_type()) {
  case Field::CPPTYPE_STRING:
    return set_string(value, out, field, path);
  case Field::CPPTYPE_BOOL:
    return set_bool(value, out, field, path);
  case Field::CPPTYPE_ENUM:
    return set_enum(value, out, field, path);
  case Field::CPPTYPE_DOUBLE:
  case Field::CPPTYPE_FLOAT:
    return set_double(value, out, field, path);
  default:
    return set_integer(value, out, field, path);
  }
}

} // namespace aigw::net::otlp_json
