// The hub's HTTP client: GET with redirects followed by hand, so that the
// Authorization header goes to the hub's own origin only. (cpp-httplib's
// set_follow_location copies it, and the Bearer token, to every host it is
// redirected to, and decodes the Location before re-encoding it, which can
// alter a signed CDN URL.)
#pragma once
#include <httplib.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "edgelm/error.h"

namespace edgelm::hub::http {

// A failure worth another try: the network, a 5xx or 429, a cut transfer.
class TransientError : public edgelm::Error {
 public:
  using edgelm::Error::Error;
};

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  int port = 0;
  std::string target;  // path and query, sent as they are (already percent-encoded)
  std::string origin() const;  // scheme://host:port, for comparing and connecting
  std::string str() const;
};

// Absolute http(s) URLs only; throws edgelm::Error naming the text.
Url parse_url(std::string_view text);
// A Location header against the URL that answered it (absolute, //host, /path).
Url resolve_location(const Url& base, std::string_view location);

using Headers = httplib::Headers;  // names compare case-insensitively
std::string header(const Headers& headers, const std::string& name);  // "" when absent

struct Request {
  Url url;
  Headers headers;          // extra request headers (Range, Accept-Encoding)
  std::string token;        // Bearer token, sent only to `token_origin`
  std::string token_origin;
  int timeout_s = 60;
  int max_redirects = 10;
  bool decompress = true;   // false for byte-exact downloads
};

struct Response {
  int status = 0;
  Headers headers;
  Url url;                  // the URL that gave the final answer
  std::string error_body;   // the first 64 KiB of a >= 400 answer
};

// Called with the final status and headers before any of the body; returning
// false stops the transfer (the caller then knows why).
using OnHeaders = std::function<bool(const Response&)>;
// Body bytes of a 2xx answer; returning false stops the transfer.
using OnData = std::function<bool(const char* data, size_t size)>;

// GET following 301/302/303/307/308. Throws TransientError when the network
// fails (connect, read, a transfer cut short) and edgelm::Error for a redirect
// without Location or too many redirects. Returns normally when a handler
// stopped the transfer.
Response get(const Request& request, const OnHeaders& on_headers, const OnData& on_data);

// The URL in a Link header's rel="next" entry, empty when there is none.
std::string next_link(const std::string& link_header);

// Percent-encodes a repository path for a URL, keeping '/' between segments.
std::string encode_path(std::string_view path);

// A server-provided string made fit for a one-line message: printable ASCII
// only, at most `limit` characters.
std::string one_line(std::string_view text, size_t limit = 200);

}  // namespace edgelm::hub::http
