// SPDX-License-Identifier: MIT
// Internal to net/: how a libcurl result code becomes an HttpErrorKind. It takes the code as
// a plain int so that this header needs no <curl/curl.h>; its tests pass CURLE_* values
// directly, which is how the dns kind is checked without looking any name up.
#pragma once

#include "net/http.hpp"

namespace aigw::net {

// Why our own callbacks stopped a transfer, when they did.
enum class AbortReason {
  none,     // libcurl failed on its own
  callback, // the head or chunk callback returned false (the client went away)
  idle,     // no byte moved for longer than the request's idle timeout
};

// The kind of the failure that `curl_code` (a CURLcode) stands for.
HttpErrorKind error_kind_for_curl(int curl_code, AbortReason reason);

} // namespace aigw::net
