// Options from the environment, the repository listing, HTTP error messages,
// and pull()/resolve_model() on top of download.cpp.
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "hub/internal.h"

namespace edgelm::hub {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kMaxListingPages = 100;
constexpr int kMaxJsonDepth = 16;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::string trim(std::string text) {
  const char* space = " \t\r\n";
  text.erase(0, text.find_first_not_of(space));
  text.erase(text.find_last_not_of(space) + 1);
  return text;
}

bool is_hex(const std::string& text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The server's own explanation: X-Error-Message, else {"error": "..."}.
std::string server_says(const http::Response& response) {
  std::string message = http::header(response.headers, "X-Error-Message");
  if (message.empty()) {
    json body = json::parse(response.error_body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_string()) message = body["error"];
  }
  return message.empty() ? "" : " (server: " + http::one_line(message) + ")";
}

std::string field_error(const std::string& what, size_t index, const char* field) {
  return "bad listing of " + what + ": entry " + std::to_string(index) + " has no valid \"" + field + "\"";
}

// Files of one listing page (a JSON array of tree entries) appended to `files`.
void parse_listing_page(const std::string& text, const std::string& what, std::vector<RepoFile>& files) {
  // A deep nesting of arrays costs memory per level; no real listing goes past 3.
  auto depth_guard = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) throw Error("bad listing of " + what + ": JSON nested too deeply");
    return true;
  };
  json page;
  try {
    page = json::parse(text, depth_guard);
  } catch (const json::exception& e) {
    throw Error("bad JSON in the listing of " + what + ": " + http::one_line(e.what()));
  }
  if (!page.is_array()) throw Error("bad listing of " + what + ": not a JSON array");
  for (size_t i = 0; i < page.size(); ++i) {
    const json& entry = page[i];
    if (!entry.is_object() || !entry.contains("type") || !entry["type"].is_string())
      throw Error(field_error(what, i, "type"));
    if (entry["type"] != "file") continue;  // "directory"
    RepoFile file;
    auto get_string = [&](const json& obj, const char* key) -> std::string {
      if (!obj.contains(key) || !obj[key].is_string()) throw Error(field_error(what, i, key));
      return obj[key].get<std::string>();
    };
    auto get_size = [&](const json& obj) -> uint64_t {
      if (!obj.contains("size") || !obj["size"].is_number_unsigned()) throw Error(field_error(what, i, "size"));
      return obj["size"].get<uint64_t>();
    };
    file.path = get_string(entry, "path");
    file.size = get_size(entry);
    file.git_oid = get_string(entry, "oid");
    if (!is_hex(file.git_oid, 40)) throw Error(field_error(what, i, "oid"));
    if (entry.contains("lfs")) {
      const json& lfs = entry["lfs"];
      if (!lfs.is_object()) throw Error(field_error(what, i, "lfs"));
      file.sha256 = get_string(lfs, "oid");
      if (!is_hex(file.sha256, 64)) throw Error(field_error(what, i, "lfs.oid"));
      file.size = get_size(lfs);
    }
    files.push_back(std::move(file));
  }
}

std::filesystem::path pull_offline(const Reference& ref, const HubOptions& options, const std::string& why) {
  std::vector<RepoFile> cached = detail::cached_files(ref, options);
  if (cached.empty()) throw Error(why + "; the cache holds no file of " + ref.owner + "/" + ref.repo);
  try {
    const RepoFile& file = select_file(cached, ref);
    return detail::repo_cache_dir(options, ref) / fs::path(file.path);
  } catch (const Error& e) {
    throw Error(why + "; in the cache: " + e.what());
  }
}

}  // namespace

namespace detail {

bool safe_repo_path(std::string_view path) {
  if (path.empty() || path.size() > 1024 || path.front() == '/') return false;
  size_t start = 0;
  for (;;) {
    size_t end = path.find('/', start);
    std::string_view segment = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7F || c == '\\') return false;
    }
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

void throw_status(const http::Response& response, const std::string& what, const HubOptions& options) {
  int status = response.status;
  std::string code = http::header(response.headers, "X-Error-Code");
  std::string said = server_says(response);
  std::string where = " on " + options.endpoint;
  if (status == 401) {
    if (options.token.empty())
      throw Error(what + " not found" + where + ", or it is private or gated: set HF_TOKEN to an access token " +
                  "that can read it (HTTP 401)" + said);
    if (code == "RepoNotFound")
      throw Error(what + " not found" + where + ", or HF_TOKEN cannot read it (HTTP 401)" + said);
    throw Error("the hub did not accept HF_TOKEN for " + what + " (HTTP 401): check the token" + said);
  }
  if (status == 403)
    throw Error("access to " + what + " is refused (HTTP 403): if the model is gated, accept its terms on the hub" +
                (options.token.empty() ? " and set HF_TOKEN to a token of that account" : " with HF_TOKEN's account") +
                said);
  if (status == 404) {
    if (code == "RevisionNotFound") throw Error("revision main not found for " + what + where + said);
    throw Error(what + " not found" + where + " (HTTP 404)" + said);
  }
  if (status == 429 || status >= 500)
    throw http::TransientError(options.endpoint + " answered HTTP " + std::to_string(status) + " for " + what + said);
  throw Error("unexpected HTTP " + std::to_string(status) + " for " + what + " from " + response.url.str() + said);
}

void with_retries(const HubOptions& options, const std::string& what, const std::function<void()>& attempt) {
  int attempts = std::max(1, options.attempts);
  for (int n = 1;; ++n) {
    try {
      attempt();
      return;
    } catch (const http::TransientError& e) {
      if (n >= attempts)
        throw http::TransientError(std::string(e.what()) + " (" + what + ", " + std::to_string(n) +
                                   (n == 1 ? " attempt" : " attempts") + "; running it again resumes)");
      if (options.message)
        options.message(std::string(e.what()) + "; trying again (" + std::to_string(n + 1) + " of " +
                        std::to_string(attempts) + ")");
      std::this_thread::sleep_for(options.retry_delay * n);
    }
  }
}

http::Request hub_request(const HubOptions& options, const std::string& target) {
  http::Request request;
  std::string endpoint = options.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  request.url = http::parse_url(endpoint + target);
  request.token = options.token;
  request.token_origin = http::parse_url(endpoint).origin();
  request.timeout_s = options.timeout_s;
  return request;
}

std::filesystem::path repo_cache_dir(const HubOptions& options, const Reference& ref) {
  if (options.cache_dir.empty())
    throw Error("no cache folder for downloads: set EDGELM_CACHE (or XDG_CACHE_HOME or HOME)");
  return options.cache_dir / (ref.owner + "--" + ref.repo);
}

}  // namespace detail

HubOptions hub_options_from_env() {
  HubOptions options;
  std::string endpoint = trim(env("HF_ENDPOINT"));
  if (!endpoint.empty()) options.endpoint = endpoint;
  while (options.endpoint.size() > 1 && options.endpoint.back() == '/') options.endpoint.pop_back();
  options.token = trim(env("HF_TOKEN"));
  std::string offline = env("HF_HUB_OFFLINE");
  options.offline = !offline.empty() && offline != "0" && offline != "false";
  if (std::string dir = env("EDGELM_CACHE"); !dir.empty()) {
    options.cache_dir = dir;
  } else if (std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty() && xdg[0] == '/') {
    options.cache_dir = fs::path(xdg) / "edgelm";  // the XDG spec ignores relative values
  } else if (std::string home = env("HOME"); !home.empty()) {
    options.cache_dir = fs::path(home) / ".cache" / "edgelm";
  }
  return options;
}

std::vector<RepoFile> list_files(const Reference& ref, const HubOptions& options) {
  std::string what = "repository " + ref.owner + "/" + ref.repo;
  std::vector<RepoFile> files;
  http::Request request =
      detail::hub_request(options, "/api/models/" + ref.owner + "/" + ref.repo + "/tree/main?recursive=true");
  size_t total_bytes = 0;
  for (int page = 0;; ++page) {
    if (page >= kMaxListingPages)
      throw Error("the listing of " + what + " has more than " + std::to_string(kMaxListingPages) + " pages");
    std::string body;
    bool too_big = false;
    http::Response response;
    detail::with_retries(options, "listing " + what, [&] {
      body.clear();
      response = http::get(
          request, [](const http::Response&) { return true; },
          [&](const char* data, size_t size) {
            too_big = total_bytes + body.size() + size > options.max_listing_bytes;
            if (!too_big) body.append(data, size);
            return !too_big;
          });
      if (response.status != 200 && !too_big) detail::throw_status(response, what, options);
    });
    if (too_big)
      throw Error("the listing of " + what + " is larger than " + detail::format_bytes(options.max_listing_bytes));
    total_bytes += body.size();
    parse_listing_page(body, what, files);
    std::string next = http::next_link(http::header(response.headers, "Link"));
    if (next.empty()) return files;
    request.url = http::resolve_location(response.url, next);
  }
}

std::filesystem::path pull(const Reference& ref, const HubOptions& options) {
  if (options.offline) return pull_offline(ref, options, "offline (HF_HUB_OFFLINE)");
  std::vector<RepoFile> files;
  try {
    files = list_files(ref, options);
  } catch (const http::TransientError& e) {
    // No network: a file this reference picked before still serves.
    return pull_offline(ref, options, e.what());
  }
  const RepoFile& file = select_file(files, ref);
  if (!detail::safe_repo_path(file.path))
    throw Error("the listing of " + ref.owner + "/" + ref.repo + " names an unsafe path: " + http::one_line(file.path));
  return detail::download(ref, file, options);
}

std::filesystem::path resolve_model(std::string_view path_or_reference, const HubOptions& options) {
  std::optional<Reference> ref = parse_reference(path_or_reference);
  if (!ref) return fs::path(std::string(path_or_reference));
  return pull(*ref, options);
}

}  // namespace edgelm::hub
