#include "cli/bench_machine.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace edgelm::cli {
namespace {

// Bumped whenever the probe measures differently, so stale caches are redone
// (tests/cli/test_bench.cpp writes an entry with this number). 2: sweep buffers
// on huge pages; 3: the read sweep prefetches as the kernels do.
constexpr int kProbeVersion = 3;

nlohmann::json read_cache(const std::string& path) {
  std::ifstream f(path);
  if (!f) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array()) return nlohmann::json::object();
  return j;
}

// Entries of another shape (a hand-edited or foreign file) never match.
bool same_key(const nlohmann::json& e, const std::string& cpu, int n_threads) {
  auto field = [&](const char* key) { return e.is_object() && e.contains(key) ? e[key] : nlohmann::json(); };
  return field("cpu") == cpu && field("n_threads") == n_threads && field("probe_version") == kProbeVersion;
}

double number(const nlohmann::json& e, const char* key) {
  return e.contains(key) && e[key].is_number() ? e[key].get<double>() : 0.0;
}

std::string text(const nlohmann::json& e, const char* key) {
  return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : "";
}

}  // namespace

std::string default_probe_cache_path() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/edgelm/probe.json";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/edgelm/probe.json";
  return "";
}

std::optional<MachineLimits> load_cached_limits(const std::string& path, const std::string& cpu, int n_threads) {
  if (path.empty()) return std::nullopt;
  const nlohmann::json cache = read_cache(path);
  if (!cache.contains("entries")) return std::nullopt;
  for (const nlohmann::json& e : cache["entries"]) {
    if (!same_key(e, cpu, n_threads)) continue;
    MachineLimits m;
    m.cpu = cpu;
    m.n_threads = n_threads;
    m.read_bytes_per_s = number(e, "read_bytes_per_s");
    m.triad_bytes_per_s = number(e, "triad_bytes_per_s");
    m.int8_ops_per_s = number(e, "int8_ops_per_s");
    m.fp32_flops_per_s = number(e, "fp32_flops_per_s");
    m.int8_isa = text(e, "int8_isa");
    m.fp32_isa = text(e, "fp32_isa");
    if (m.read_bytes_per_s > 0 && m.int8_ops_per_s > 0 && m.fp32_flops_per_s > 0) return m;
  }
  return std::nullopt;
}

bool store_cached_limits(const std::string& path, const MachineLimits& m) {
  if (path.empty()) return false;
  nlohmann::json cache = read_cache(path);
  nlohmann::json entries = nlohmann::json::array();
  if (cache.contains("entries"))
    for (const nlohmann::json& e : cache["entries"])
      if (!same_key(e, m.cpu, m.n_threads)) entries.push_back(e);
  entries.push_back({{"cpu", m.cpu},
                     {"n_threads", m.n_threads},
                     {"probe_version", kProbeVersion},
                     {"read_bytes_per_s", m.read_bytes_per_s},
                     {"triad_bytes_per_s", m.triad_bytes_per_s},
                     {"int8_ops_per_s", m.int8_ops_per_s},
                     {"fp32_flops_per_s", m.fp32_flops_per_s},
                     {"int8_isa", m.int8_isa},
                     {"fp32_isa", m.fp32_isa}});
  // Write a sibling file, then rename: a crash or a concurrent bench never
  // leaves a half-written cache.
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp);
    if (!f) return false;
    f << nlohmann::json{{"entries", entries}}.dump(2) << "\n";
    if (!f) return false;
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
  return !ec;
}

bool reset_peak_rss() {
  // Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS (Linux >= 4.0).
  std::ofstream f("/proc/self/clear_refs");
  if (!f) return false;
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

uint64_t peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream s(line.substr(6));
    uint64_t kib = 0;
    if (s >> kib) return kib * 1024;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;   // KiB on Linux
}

}  // namespace edgelm::cli
