// Results of `edgelm bench` and their two output formats: a markdown table
// (llama-bench's layout plus a "% of limit" column) and JSON records.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edgelm/bench.h"

namespace edgelm::cli {

struct BenchModel {
  std::string filename;
  std::string type;        // "llama 1.2B Q4_0"
  uint64_t size = 0;       // weight bytes
  uint64_t n_params = 0;
};

struct BenchRecord {
  int n_prompt = 0;
  int n_gen = 0;
  int64_t n_depth = 0;
  int n_threads = 0;
  int n_batch = 0;
  std::string kv_type;
  std::string depth_fill;           // "compute" or "random" for tests at a depth, else empty
  int sparse_topk = 0;
  std::vector<double> samples_ns;   // one per repetition
  std::vector<double> samples_ts;   // tokens/s of each repetition
  uint64_t peak_rss_bytes = 0;
  uint64_t mem_budget_bytes = 0;    // --mem-budget (0: none) and the planner's total for this test's context
  uint64_t planned_bytes = 0;
  std::vector<ProfileRow> profile;  // under --profile: one extra, profiled run of the test
  // The ceiling this test is compared with, and what one of its tokens costs
  // (averaged over the test's positions).
  std::string limit_kind;           // "bandwidth", "int8" or "fp32"
  double bytes_per_token = 0;
  double ops_per_token = 0;
  std::optional<double> limit_value;   // bytes/s or ops/s; unset without a probe
  std::optional<std::string> limit_isa;

  std::string test_name() const;    // "pp512", "tg128 @ d4096"
  int n_tokens() const { return n_prompt > 0 ? n_prompt : n_gen; }
  std::optional<double> limit_ts() const;       // tokens/s the ceiling allows
  std::optional<double> pct_of_limit() const;   // median / limit_ts, in percent
};

struct SampleStats {
  double median = 0, mean = 0, stddev = 0, min = 0, max = 0;
};
SampleStats sample_stats(std::vector<double> v);   // stddev: sample (n - 1); 0 for one sample

void print_markdown(const BenchModel& model, const std::vector<BenchRecord>& records,
                    const std::vector<MachineLimits>& limits);
// Per section (layer kind, output head): ms per token in total, in matmuls
// (and the GB/s they streamed), attention, the delta rule and the rest.
void print_profile(const BenchRecord& r);
void print_json(const BenchModel& model, const std::vector<BenchRecord>& records, const std::string& cpu);

}  // namespace edgelm::cli
