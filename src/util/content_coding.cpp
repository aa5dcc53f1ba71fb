// SPDX-License-Identifier: MIT
// zlib inflates gzip and deflate, libbrotli's decoder br. Both write into the result a
// chunk at a time and stop as soon as it passes the limit, so memory stays near the limit
// however far the input would expand.
#include "util/content_coding.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#define ZLIB_CONST
#include <brotli/decode.h>
#include <zlib.h>

#include "util/strings.hpp"

namespace aigw::util {
namespace {

using Decoded = Expected<std::string, ContentCodingError>;

enum class Coding { gzip, deflate, br };

// How far the output grows per decoder call.
constexpr std::size_t k_chunk = 64 * 1024;

// How zlib is to read a stream. Windows bits 15 + 32 take a gzip or a zlib header (zlib
// tells them apart); -15 takes raw deflate with no header. Several gzip members in a row
// are one gzip body (RFC 1952 2.2); other streams end where the stream ends.
struct ZlibFormat
{
  int window_bits;
  bool members_may_follow;
  const char* name;
};

constexpr ZlibFormat k_gzip{15 + 32, true, "gzip"};
constexpr ZlibFormat k_zlib_deflate{15 + 32, false, "deflate"};
constexpr ZlibFormat k_raw_deflate{-15, false, "deflate"};

Unexpected<ContentCodingError>
invalid(std::string_view coding, std::string_view cause)
{
  return {{ContentCodingFailure::invalid_body,
           std::string(coding) + " body is not valid: " + std::string(cause)}};
}

Unexpected<ContentCodingError>
over_limit(std::size_t max_size)
{
  return {{ContentCodingFailure::too_large,
           "decoded body is larger than " + std::to_string(max_size) + " bytes"}};
}

// The codings named by a Content-Encoding value, in the order they were applied.
Expected<std::vector<Coding>, ContentCodingError>
parse_codings(std::string_view content_encoding)
{
  std::vector<Coding> codings;
  for (const auto& member : split(content_encoding, ',')) {
    const auto name = to_lower(trim(member));
    if (name.empty() || name == "identity") {
      continue;
    }

    if (name == "gzip" || name == "x-gzip") {
      codings.push_back(Coding::gzip);
    } else if (name == "deflate") {
      codings.push_back(Coding::deflate);
    } else if (name == "br") {
      codings.push_back(Coding::br);
    } else {
      return unexpected(ContentCodingError{ContentCodingFailure::unknown_coding,
                                           "content coding \"" + printable(name) +
                                             "\" is not supported"});
    }
  }
  return codings;
}

// Make room at the end of `out` for the decoder's next write and return its size: a chunk,
// but never more than one byte past `max_size` in all, enough to see the limit passed.
std::size_t
grow(std::string& out, std::size_t max_size)
{
  const std::size_t room = std::min(k_chunk - 1, max_size - out.size()) + 1;
  out.resize(out.size() + room);
  return room;
}

// An inflate stream that is ended on every way out.
class Inflater
{
public:
  explicit Inflater(int window_bits)
  {
    if (inflateInit2(&m_stream, window_bits) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  ~Inflater() { inflateEnd(&m_stream); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  z_stream& stream() { return m_stream; }

private:
  z_stream m_stream{};
};

// Hand zlib the next piece of `rest` once it has used up the last; avail_in is 32 bits.
void
feed(z_stream& stream, std::string_view& rest)
{
  if (stream.avail_in > 0 || rest.empty()) {
    return;
  }
  const auto size = std::min<std::size_t>(rest.size(), std::numeric_limits<uInt>::max());
  stream.next_in = reinterpret_cast<const Bytef*>(rest.data());
  stream.avail_in = static_cast<uInt>(size);
  rest.remove_prefix(size);
}

Decoded
inflate_body(std::string_view body, const ZlibFormat& format, std::size_t max_size)
{
  Inflater inflater(format.window_bits);
  auto& stream = inflater.stream();
  std::string out;
  while (true) {
    feed(stream, body);
    const std::size_t room = grow(out, max_size);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + out.size() - room);
    stream.avail_out = static_cast<uInt>(room);
    const int status = inflate(&stream, Z_NO_FLUSH);
    out.resize(out.size() - stream.avail_out);
    if (out.size() > max_size) {
      return over_limit(max_size);
    }

    const bool input_left = stream.avail_in > 0 || !body.empty();
    if (status == Z_STREAM_END && !input_left) {
      return out;
    }
    if (status == Z_STREAM_END && !format.members_may_follow) {
      return invalid(format.name, "bytes follow the end of the stream");
    }
    if (status == Z_STREAM_END) {
      inflateReset(&stream);
    } else if (status == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (status == Z_BUF_ERROR && !input_left) {
      return invalid(format.name, "the stream ends early");
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      return invalid(format.name, stream.msg != nullptr ? stream.msg : "the stream is corrupt");
    }
  }
}

// "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2), but some clients send raw
// deflate under that name, so a body that is not a zlib stream is read once more as raw.
Decoded
inflate_deflate(std::string_view body, std::size_t max_size)
{
  auto wrapped = inflate_body(body, k_zlib_deflate, max_size);
  if (wrapped || wrapped.error().kind != ContentCodingFailure::invalid_body) {
    return wrapped;
  }
  auto raw = inflate_body(body, k_raw_deflate, max_size);
  if (raw || raw.error().kind != ContentCodingFailure::invalid_body) {
    return raw;
  }
  return wrapped;
}

using BrotliDecoder = std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)>;

Unexpected<ContentCodingError>
brotli_error(const BrotliDecoder& decoder)
{
  const int code = BrotliDecoderGetErrorCode(decoder.get());
  if (code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
      code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES) {
    throw std::bad_alloc();
  }
  return invalid("br", "the stream is corrupt (brotli error " + std::to_string(code) + ")");
}

Decoded
decode_brotli(std::string_view body, std::size_t max_size)
{
  BrotliDecoder decoder(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr),
                        &BrotliDecoderDestroyInstance);
  if (!decoder) {
    throw std::bad_alloc();
  }
  auto next_in = reinterpret_cast<const std::uint8_t*>(body.data());
  std::size_t avail_in = body.size();
  std::string out;
  while (true) {
    std::size_t avail_out = grow(out, max_size);
    auto next_out = reinterpret_cast<std::uint8_t*>(out.data() + out.size() - avail_out);
    const auto status = BrotliDecoderDecompressStream(decoder.get(), &avail_in, &next_in,
                                                      &avail_out, &next_out, nullptr);
    out.resize(out.size() - avail_out);
    if (out.size() > max_size) {
      return over_limit(max_size);
    }

    if (status == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0) {
      return out;
    }
    if (status == BROTLI_DECODER_RESULT_SUCCESS) {
      return invalid("br", "bytes follow the end of the stream");
    }
    if (status == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
      return invalid("br", "the stream ends early"); // it already has the whole body
    }
    if (status == BROTLI_DECODER_RESULT_ERROR) {
      return brotli_error(decoder);
    }
  }
}

Decoded
decode_one(Coding coding, std::string_view body, std::size_t max_size)
{
  switch (coding) {
    case Coding::gzip:
      return inflate_body(body, k_gzip, max_size);
    case Coding::deflate:
      return inflate_deflate(body, max_size);
    case Coding::br:
      return decode_brotli(body, max_size);
  }
  return invalid("unknown", "no decoder");
}

} // namespace

Expected<std::string, ContentCodingError>
decode_content(std::string_view content_encoding, std::string body, std::size_t max_decoded_size)
{
  auto codings = parse_codings(content_encoding);
  if (!codings) {
    return unexpected(std::move(codings).error());
  }

  // The coding listed last was applied last, so it comes off first.
  for (auto coding = codings->rbegin(); coding != codings->rend() && !body.empty(); ++coding) {
    auto decoded = decode_one(*coding, body, max_decoded_size);
    if (!decoded) {
      return decoded;
    }
    body = std::move(decoded).value();
  }

  if (body.size() > max_decoded_size) {
    return over_limit(max_decoded_size);
  }
  return body;
}

} // namespace aigw::util
