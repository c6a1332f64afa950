#include "hub/http.h"

#include <csignal>
#include <mutex>

namespace edgelm::hub::http {
namespace {

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (lower(text[i]) != lower(prefix[i])) return false;
  return true;
}

// Bytes that may not travel raw in a request line become %XX; control bytes
// are refused outright (they could split the request). '%' stays as it is:
// the text is already encoded.
std::string wire_target(std::string_view target, std::string_view whole) {
  static const char* hex = "0123456789ABCDEF";
  static const std::string_view unsafe = " \"<>\\^`{|}";
  std::string out;
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) throw Error("URL contains a control character: " + one_line(whole));
    if (u > 0x7F || unsafe.find(c) != std::string_view::npos) {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  size_t hash = out.find('#');  // fragments are never sent
  if (hash != std::string::npos) out.resize(hash);
  return out.empty() ? "/" : out;
}

// The client writes with plain send(): a server that hangs up while we send
// would raise SIGPIPE, whose default action ends the whole program.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL)
      std::signal(SIGPIPE, SIG_IGN);
  });
}

[[noreturn]] void throw_network_error(httplib::Error error, const Url& url) {
  std::string where = url.origin();
  std::string code = httplib::to_string(error);
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::BindIPAddress:
      throw TransientError("network error: cannot connect to " + where + " (" + code + ")");
    case httplib::Error::SSLConnection:
      throw TransientError("network error: TLS handshake with " + where + " failed");
    case httplib::Error::SSLLoadingCerts:
      throw Error("cannot load the system's CA certificates to check " + where);
    case httplib::Error::SSLServerVerification:
      throw Error("the TLS certificate of " + where + " is not trusted");
    case httplib::Error::Compression:
      throw Error("bad compressed answer from " + where);
    default:
      throw TransientError("network error: the connection to " + where + " broke off (" + code + ")");
  }
}

}  // namespace

std::string Url::origin() const {
  bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::str() const { return origin() + target; }

Url parse_url(std::string_view text) {
  Url url;
  std::string_view rest;
  if (starts_with_nocase(text, "https://")) {
    url.scheme = "https";
    rest = text.substr(8);
  } else if (starts_with_nocase(text, "http://")) {
    url.scheme = "http";
    rest = text.substr(7);
  } else {
    throw Error("not an http(s) URL: " + one_line(text));
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos)
    throw Error("URLs with user names or passwords are not supported: " + one_line(text));

  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) throw Error("bad host in URL: " + one_line(text));
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw Error("bad host in URL: " + one_line(text));
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw Error("no host in URL: " + one_line(text));
  for (char c : url.host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == ':' || c == '_';
    if (!ok) throw Error("bad host in URL: " + one_line(text));
  }
  for (char& c : url.host) c = lower(c);

  url.port = url.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    if (port.size() > 5) throw Error("bad port in URL: " + one_line(text));
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') throw Error("bad port in URL: " + one_line(text));
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) throw Error("bad port in URL: " + one_line(text));
    url.port = value;
  }
  url.target = wire_target(target, text);
  if (url.target[0] != '/') url.target.insert(0, "/");  // "host?query"
  return url;
}

// cpp-httplib 0.11 percent-decodes every response header value (fixed in
// later releases), so the Location arrives decoded: "%3B" is ';' again and a
// space is a space. wire_target() re-encodes what cannot travel raw, which
// gives back an equivalent URL for the hub's signed CDN links (their escapes
// are %2F %3B %3D %22 %27 and '+'); an escaped '+', '&', '#' or '%' inside a
// query value cannot be told apart after decoding.
Url resolve_location(const Url& base, std::string_view location) {
  while (!location.empty() && (location.front() == ' ' || location.front() == '\t')) location.remove_prefix(1);
  while (!location.empty() && (location.back() == ' ' || location.back() == '\t')) location.remove_suffix(1);
  if (location.empty()) throw Error("redirect from " + base.str() + " without a Location");
  if (starts_with_nocase(location, "http://") || starts_with_nocase(location, "https://"))
    return parse_url(location);
  if (location.substr(0, 2) == "//") return parse_url(base.scheme + ":" + std::string(location));
  Url url = base;
  if (location[0] == '/') {
    url.target = wire_target(location, location);
  } else {  // relative to the base's folder
    std::string path = base.target.substr(0, base.target.find('?'));
    path.resize(path.rfind('/') + 1);
    url.target = wire_target(path + std::string(location), location);
  }
  return url;
}

std::string header(const Headers& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Response get(const Request& request, const OnHeaders& on_headers, const OnData& on_data) {
  constexpr size_t kMaxErrorBody = 64 * 1024;
  ignore_sigpipe();
  Url url = request.url;
  for (int hop = 0;; ++hop) {
    httplib::Client client(url.origin());
    client.set_follow_location(false);
    client.set_url_encode(false);  // targets are already encoded; keep signatures intact
    client.set_connection_timeout(request.timeout_s);
    client.set_read_timeout(request.timeout_s);
    client.set_write_timeout(request.timeout_s);
    client.set_decompress(request.decompress);

    Headers headers = request.headers;
    headers.emplace("User-Agent", "edgelm");
    if (!request.token.empty() && url.origin() == request.token_origin)
      headers.emplace("Authorization", "Bearer " + request.token);

    Response response;
    response.url = url;
    bool redirect = false, stopped = false;
    auto on_response = [&](const httplib::Response& r) {
      response.status = r.status;
      response.headers = r.headers;
      if (is_redirect(r.status) && r.has_header("Location")) {
        redirect = true;
        return false;  // its body is of no use
      }
      if (r.status >= 400) return true;  // read (some of) the error body
      stopped = !on_headers(response);
      return !stopped;
    };
    auto on_body = [&](const char* data, size_t size) {
      if (response.status >= 400) {
        size_t room = kMaxErrorBody - response.error_body.size();
        response.error_body.append(data, std::min(room, size));
        stopped = size >= room;
        return !stopped;
      }
      stopped = !on_data(data, size);
      return !stopped;
    };
    auto result = client.Get(url.target, headers, on_response, on_body);

    if (redirect) {
      if (hop >= request.max_redirects)
        throw Error("too many redirects (more than " + std::to_string(request.max_redirects) + ") from " +
                    request.url.str());
      url = resolve_location(url, header(response.headers, "Location"));
      continue;
    }
    if (stopped) return response;
    if (!result) throw_network_error(result.error(), url);
    return response;
  }
}

std::string next_link(const std::string& link_header) {
  size_t pos = 0;
  while ((pos = link_header.find('<', pos)) != std::string::npos) {
    size_t close = link_header.find('>', pos);
    if (close == std::string::npos) return "";
    std::string url = link_header.substr(pos + 1, close - pos - 1);
    size_t params_end = link_header.find('<', close);
    std::string params = link_header.substr(close + 1, params_end == std::string::npos ? std::string::npos
                                                                                     : params_end - close - 1);
    for (char& c : params) c = lower(c);
    if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos)
      return url;
    pos = close;
  }
  return "";
}

std::string encode_path(std::string_view path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string one_line(std::string_view text, size_t limit) {
  std::string out;
  for (char c : text) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? c : (u == '\n' || u == '\t' || u == '\r') ? ' ' : '?';
  }
  return out;
}

}  // namespace edgelm::hub::http
