// The machine side of `edgelm bench`: probe results cached on disk, and the
// process's peak resident memory per test.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "edgelm/bench.h"

namespace edgelm::cli {

// $XDG_CACHE_HOME/edgelm/probe.json, else ~/.cache/edgelm/probe.json; "" when
// neither variable is set (then nothing is cached).
std::string default_probe_cache_path();

// The entry for this CPU model and thread count, if the cache file has one.
// A missing or unreadable file is not an error: it is just not used.
std::optional<MachineLimits> load_cached_limits(const std::string& path, const std::string& cpu, int n_threads);

// Adds or replaces the entry of limits.cpu / limits.n_threads. Returns false
// (and leaves the old file intact) when the file cannot be written.
bool store_cached_limits(const std::string& path, const MachineLimits& limits);

// Starts a new peak-RSS measurement (Linux: resets VmHWM). Returns false where
// that is unsupported: peaks then cover the whole process so far.
bool reset_peak_rss();
// Peak resident set size in bytes since the last reset (or process start).
uint64_t peak_rss_bytes();

}  // namespace edgelm::cli
