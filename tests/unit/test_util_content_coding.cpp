// SPDX-License-Identifier: MIT
// util::decode_content: request bodies compressed by zlib's and libbrotli's own encoders come
// back byte for byte, and each way a body can be refused has its own kind, because the relay
// answers 415, 400 and 413 from it.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <brotli/encode.h>
#include <zlib.h>

#include "util/content_coding.hpp"

using aigw::util::ContentCodingFailure;
using aigw::util::decode_content;

namespace {

constexpr std::size_t k_mib = 1024 * 1024;

// Windows bits for deflateInit2: a gzip wrapper, a zlib wrapper, no wrapper.
constexpr int k_gzip_bits = 15 + 16;
constexpr int k_zlib_bits = 15;
constexpr int k_raw_bits = -15;

std::string
deflate_with(const std::string& data, int window_bits)
{
  z_stream stream{};
  REQUIRE(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  REQUIRE(status == Z_STREAM_END);
  return out;
}

std::string
brotli(const std::string& data)
{
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size, '\0');
  REQUIRE(BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW,
                                BROTLI_MODE_GENERIC, data.size(),
                                reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                                reinterpret_cast<std::uint8_t*>(out.data())) == BROTLI_TRUE);
  out.resize(size);
  return out;
}

// Text with every byte value in it, NUL included, so nothing is lost at a string boundary.
std::string
sample()
{
  std::string text = R"({"model":"databricks-claude","messages":[{"role":"user"}]})";
  for (int byte = 0; byte < 256; ++byte) {
    text.push_back(static_cast<char>(byte));
  }
  return text;
}

ContentCodingFailure
failure_of(std::string_view coding, const std::string& body, std::size_t limit = k_mib)
{
  auto decoded = decode_content(coding, body, limit);
  REQUIRE_FALSE(decoded);
  CHECK_FALSE(decoded.error().message.empty());
  return decoded.error().kind;
}

} // namespace

TEST_CASE("util::decode_content: identity and no coding leave the body as it is")
{
  for (const char* coding : {"", "identity", " Identity ", "identity, identity"}) {
    CAPTURE(coding);
    auto decoded = decode_content(coding, sample(), k_mib);
    REQUIRE(decoded);
    CHECK(*decoded == sample());
  }
}

TEST_CASE("util::decode_content: gzip, x-gzip, zlib deflate, raw deflate and br round trip")
{
  const auto gzip = deflate_with(sample(), k_gzip_bits);
  const struct
  {
    const char* coding;
    std::string body;
  } cases[] = {
    {"gzip", gzip},
    {"x-gzip", gzip},
    {"  GZip\t", gzip},
    {"deflate", deflate_with(sample(), k_zlib_bits)},
    {"deflate", deflate_with(sample(), k_raw_bits)},
    {"br", brotli(sample())},
    {"BR", brotli(sample())},
  };
  for (const auto& c : cases) {
    CAPTURE(c.coding);
    auto decoded = decode_content(c.coding, c.body, k_mib);
    REQUIRE(decoded);
    CHECK(*decoded == sample());
  }
}

TEST_CASE("util::decode_content: stacked codings come off in reverse order")
{
  const auto body = brotli(deflate_with(sample(), k_gzip_bits));

  auto decoded = decode_content("gzip, br", body, k_mib);
  REQUIRE(decoded);
  CHECK(*decoded == sample());

  auto with_identity = decode_content("gzip,identity,,br", body, k_mib);
  REQUIRE(with_identity);
  CHECK(*with_identity == sample());

  CHECK(failure_of("br, gzip", body) == ContentCodingFailure::invalid_body);
}

TEST_CASE("util::decode_content: several gzip members are one body")
{
  const auto body = deflate_with("first ", k_gzip_bits) + deflate_with("second", k_gzip_bits);
  auto decoded = decode_content("gzip", body, k_mib);
  REQUIRE(decoded);
  CHECK(*decoded == "first second");
}

TEST_CASE("util::decode_content: a coding it does not know is refused before any decoding")
{
  auto decoded = decode_content("compress", "abc", k_mib);
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().kind == ContentCodingFailure::unknown_coding);
  CHECK(decoded.error().message == R"(content coding "compress" is not supported)");

  CHECK(failure_of("zstd", "abc") == ContentCodingFailure::unknown_coding);
  // The gzip member would fail too, but the unknown coding decides the answer.
  CHECK(failure_of("gzip, zstd", "not gzip") == ContentCodingFailure::unknown_coding);
  CHECK(failure_of("gzip;q=1", deflate_with("x", k_gzip_bits)) ==
        ContentCodingFailure::unknown_coding);
}

TEST_CASE("util::decode_content: truncated or garbage bodies are invalid")
{
  const auto gzip = deflate_with(sample(), k_gzip_bits);
  const auto br = brotli(sample());
  const auto zlib = deflate_with(sample(), k_zlib_bits);

  CHECK(failure_of("gzip", gzip.substr(0, gzip.size() - 4)) ==
        ContentCodingFailure::invalid_body);
  CHECK(failure_of("gzip", gzip.substr(0, 12)) == ContentCodingFailure::invalid_body);
  CHECK(failure_of("br", br.substr(0, br.size() / 2)) == ContentCodingFailure::invalid_body);
  CHECK(failure_of("deflate", zlib.substr(0, zlib.size() - 6)) ==
        ContentCodingFailure::invalid_body);

  const std::string garbage = "this was never compressed\xff\xfe";
  for (const char* coding : {"gzip", "deflate", "br"}) {
    CAPTURE(coding);
    CHECK(failure_of(coding, garbage) == ContentCodingFailure::invalid_body);
  }

  CHECK(failure_of("deflate", zlib + "extra") == ContentCodingFailure::invalid_body);
  CHECK(failure_of("br", br + "extra") == ContentCodingFailure::invalid_body);
  CHECK(failure_of("gzip", gzip + "extra") == ContentCodingFailure::invalid_body);
}

TEST_CASE("util::decode_content: a body that expands past the limit is refused")
{
  const std::string ten_mib(10 * k_mib, 'a');
  const std::string encoded[] = {
    deflate_with(ten_mib, k_gzip_bits),
    deflate_with(ten_mib, k_zlib_bits),
    brotli(ten_mib),
  };
  const char* codings[] = {"gzip", "deflate", "br"};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(codings[i]);
    REQUIRE(encoded[i].size() < 64 * 1024);
    auto decoded = decode_content(codings[i], encoded[i], k_mib);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().kind == ContentCodingFailure::too_large);
    CHECK(decoded.error().message == "decoded body is larger than 1048576 bytes");
  }
}

TEST_CASE("util::decode_content: decoding stops at the limit, before the rest is read")
{
  // Both streams are cut short, which is only seen at their end: a decoder that went on
  // past the limit would call them invalid instead.
  const std::string ten_mib(10 * k_mib, 'b');
  const auto gzip = deflate_with(ten_mib, k_gzip_bits);
  const auto br = brotli(ten_mib);
  CHECK(failure_of("gzip", gzip.substr(0, gzip.size() - 8)) == ContentCodingFailure::too_large);
  CHECK(failure_of("br", br.substr(0, br.size() - 2)) == ContentCodingFailure::too_large);
}

TEST_CASE("util::decode_content: the limit itself is allowed, one byte over it is not")
{
  const std::string exact(1000, 'z');
  for (const auto& [coding, body] :
       {std::pair<const char*, std::string>{"gzip", deflate_with(exact, k_gzip_bits)},
        {"br", brotli(exact)},
        {"identity", exact}}) {
    CAPTURE(coding);
    auto decoded = decode_content(coding, body, 1000);
    REQUIRE(decoded);
    CHECK(*decoded == exact);
    CHECK(failure_of(coding, body, 999) == ContentCodingFailure::too_large);
  }
}

TEST_CASE("util::decode_content: an empty body decodes to an empty body")
{
  for (const char* coding : {"gzip", "deflate", "br", "gzip, br"}) {
    CAPTURE(coding);
    auto decoded = decode_content(coding, "", k_mib);
    REQUIRE(decoded);
    CHECK(decoded->empty());
  }

  auto gzip_of_nothing = decode_content("gzip", deflate_with("", k_gzip_bits), k_mib);
  REQUIRE(gzip_of_nothing);
  CHECK(gzip_of_nothing->empty());
}
