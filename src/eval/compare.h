// edgelm compare: two models under one memory budget, the same threads and
// sampling, side by side — speed at several context depths, time to first
// token of later agent turns, memory by kind and peak RSS, the longest
// context that fits, and the quality suites with 95 % intervals. Results are
// cached per model file (by sha256) and settings, so an interrupted compare
// resumes and a repeated one is instant.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "eval/backend.h"

namespace edgelm::eval {

struct CompareOptions {
  uint64_t mem_budget = uint64_t{6} << 30;
  std::vector<std::string> suites = {"speed", "memory", "context", "ifeval", "bfcl", "agent"};
  std::vector<int64_t> depths = {0, 4096, 16384, 32768};
  int n_prompt = 512, n_gen = 64, repetitions = 3;
  int turns = 10;                       // agent-turn TTFT replay
  int n_threads = 2;
  size_t limit = 0;                     // items per quality suite (BFCL: per category)
  int agent_seeds = 1;
  GenerationSettings generation;        // shared by both models
  uint64_t seed = 0;
  std::filesystem::path cache_dir;      // results per model hash and settings
  std::filesystem::path edgelm_binary;  // runs `edgelm bench` per model (separate processes: separate peak RSS)
  std::function<void(const std::string& line)> log;                     // stage messages
  std::function<void(size_t done, size_t total, const std::string&)> progress;   // within a stage
};

// Results of both models: {"settings", "machine", "models": [A, B], "rows": [...]}.
JsonDoc compare_models(const std::string& model_a, const std::string& model_b, const CompareOptions& options);

// The side-by-side table as text (markdown).
std::string compare_table(const JsonDoc& results);
// One self-contained HTML page: inline SVG plots, no network.
std::string compare_html(const JsonDoc& results);

// sha256 of a file's bytes as hex, remembered in cache_dir by path, size and mtime.
std::string file_sha256_cached(const std::filesystem::path& file, const std::filesystem::path& cache_dir);

}  // namespace edgelm::eval
