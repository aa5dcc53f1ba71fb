// SPDX-License-Identifier: MIT
// Undoing the content codings of an HTTP message body (RFC 9110 8.4): gzip (and x-gzip),
// deflate and br, with a cap on the decoded size that is enforced while inflating, so a
// small body that would expand to gigabytes is refused once the cap is passed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/expected.hpp"

namespace aigw::util {

// Why a body could not be decoded. Each maps to one HTTP answer for a server.
enum class ContentCodingFailure {
  unknown_coding, // a coding this code does not decode (415 Unsupported Media Type)
  invalid_body,   // the bytes are not valid for their coding: corrupt, truncated (400)
  too_large,      // the decoded body would pass the limit (413 Content Too Large)
};

struct ContentCodingError
{
  ContentCodingFailure kind = ContentCodingFailure::invalid_body;
  std::string message; // names the coding and the cause, never the body's bytes
};

// `body` with the codings of `content_encoding` (a Content-Encoding header's value) undone,
// the last-applied one first. Names are trimmed and case-insensitive; "identity" and empty
// list members change nothing. Every coding is checked to be known before any is decoded.
// Neither the final body nor any intermediate one may exceed `max_decoded_size` bytes.
// An empty body stays empty whatever the (known) coding: there is nothing to decode.
Expected<std::string, ContentCodingError> decode_content(std::string_view content_encoding,
                                                         std::string body,
                                                         std::size_t max_decoded_size);

} // namespace aigw::util
