// Pieces the hub's source files share; not part of the public API.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "hub/http.h"
#include "hub/hub.h"

namespace edgelm::hub::detail {

// A path from a listing that is safe to put under the cache folder: relative,
// no "." or ".." segments, no empty segments, no backslashes or control bytes.
bool safe_repo_path(std::string_view path);

// "12.3 MiB"
std::string format_bytes(uint64_t bytes);

// The edgelm::Error (or http::TransientError for 429 and 5xx) an HTTP error
// status deserves; `what` names the thing asked for ("repository a/b").
[[noreturn]] void throw_status(const http::Response& response, const std::string& what, const HubOptions& options);

// Runs `attempt` up to options.attempts times while it throws TransientError,
// waiting a little longer before each new try.
void with_retries(const HubOptions& options, const std::string& what, const std::function<void()>& attempt);

// The request for {endpoint}{target} with the token scoped to the endpoint.
http::Request hub_request(const HubOptions& options, const std::string& target);

// Cache layout: <cache>/<owner>--<repo>/<path>, with <path>.part while it
// downloads, <path>.sha256 once verified and <path>.lock while a process works on it.
std::filesystem::path repo_cache_dir(const HubOptions& options, const Reference& ref);

// Brings `file` of `ref` into the cache (or finds it there, verified) and
// returns its path.
std::filesystem::path download(const Reference& ref, const RepoFile& file, const HubOptions& options);

// The verified files the cache holds for `ref` (those with a sidecar).
std::vector<RepoFile> cached_files(const Reference& ref, const HubOptions& options);

}  // namespace edgelm::hub::detail
