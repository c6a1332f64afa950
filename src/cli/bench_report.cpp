#include "cli/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <nlohmann/json.hpp>

namespace edgelm::cli {
namespace {

// 1234567 -> "1.23 M" style, with the given unit suffix.
std::string scaled(double v, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T", "P"};
  int i = 0;
  while (std::fabs(v) >= 1000.0 && i < 5) v /= 1000.0, ++i;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f %s%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, prefixes[i], unit);
  return buf;
}

std::string size_text(uint64_t bytes) {
  char buf[64];
  const double mib = static_cast<double>(bytes) / (1 << 20);
  if (mib >= 1024) std::snprintf(buf, sizeof buf, "%.2f GiB", mib / 1024);
  else std::snprintf(buf, sizeof buf, "%.2f MiB", mib);
  return buf;
}

// Parameter counts as llama-bench prints them: "1.24 B", "6.74 M".
std::string params_text(uint64_t n) {
  const double v = static_cast<double>(n);
  char buf[64];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.2f B", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f K", v / 1e3);
  return buf;
}

std::string limit_text(const BenchRecord& r) {
  const auto pct = r.pct_of_limit();
  if (!pct || !r.limit_value) return "n/a";
  const std::string ceiling = r.limit_kind == "bandwidth" ? scaled(*r.limit_value, "B/s")
                                                         : scaled(*r.limit_value, "op/s") + " " + r.limit_kind;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.1f%% of %s", *pct, ceiling.c_str());
  return buf;
}

nlohmann::ordered_json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
}

}  // namespace

std::string BenchRecord::test_name() const {
  std::string name = n_prompt > 0 ? "pp" + std::to_string(n_prompt) : "tg" + std::to_string(n_gen);
  if (n_depth > 0) name += " @ d" + std::to_string(n_depth);
  return name;
}

std::optional<double> BenchRecord::limit_ts() const {
  if (!limit_value || *limit_value <= 0) return std::nullopt;
  const double per_token = limit_kind == "bandwidth" ? bytes_per_token : ops_per_token;
  if (per_token <= 0) return std::nullopt;
  return *limit_value / per_token;
}

std::optional<double> BenchRecord::pct_of_limit() const {
  const auto limit = limit_ts();
  if (!limit || samples_ts.empty()) return std::nullopt;
  return 100.0 * sample_stats(samples_ts).median / *limit;
}

SampleStats sample_stats(std::vector<double> v) {
  SampleStats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  s.min = v.front();
  s.max = v.back();
  if (n > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / (n - 1));
  }
  return s;
}

void print_markdown(const BenchModel& model, const std::vector<BenchRecord>& records,
                    const std::vector<MachineLimits>& limits) {
  std::printf("| model | size | params | backend | threads | test | t/s | %% of limit | KV | peak RSS |\n");
  std::printf("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |\n");
  const std::string size = size_text(model.size), params = params_text(model.n_params);
  for (const BenchRecord& r : records) {
    const SampleStats s = sample_stats(r.samples_ts);
    const std::string test = r.test_name() + (r.depth_fill == "random" ? " (random fill)" : "");
    const std::string kv = r.kv_type + (r.sparse_topk > 0 ? ", sparse top-" + std::to_string(r.sparse_topk) : "");
    std::printf("| %s | %s | %s | CPU | %d | %s | %.2f ± %.2f | %s | %s | %s |\n", model.type.c_str(), size.c_str(),
                params.c_str(), r.n_threads, test.c_str(), s.median, s.stddev, limit_text(r).c_str(), kv.c_str(),
                size_text(r.peak_rss_bytes).c_str());
  }
  for (const BenchRecord& r : records)
    if (!r.profile.empty()) print_profile(r);
  if (!limits.empty()) std::printf("\n");
  for (const MachineLimits& m : limits)
    std::printf("limits (%s, %d thread%s): read %s, triad %s, int8 %s (%s), fp32 %s (%s)\n", m.cpu.c_str(),
                m.n_threads, m.n_threads == 1 ? "" : "s", scaled(m.read_bytes_per_s, "B/s").c_str(), scaled(m.triad_bytes_per_s, "B/s").c_str(),
                scaled(m.int8_ops_per_s, "op/s").c_str(), m.int8_isa.c_str(), scaled(m.fp32_flops_per_s, "FLOP/s").c_str(),
                m.fp32_isa.c_str());
}

namespace {

// The rows of one (section, operation) added up.
ProfileRow profile_sum(const std::vector<ProfileRow>& rows, const std::string& section, const char* op) {
  ProfileRow sum;
  for (const ProfileRow& r : rows)
    if (r.section == section && r.op == op) {
      sum.calls += r.calls;
      sum.seconds += r.seconds;
      sum.bytes += r.bytes;
    }
  return sum;
}

}  // namespace

void print_profile(const BenchRecord& r) {
  const double n = r.n_tokens();
  // "count" is layers per forward pass: the output head runs once per pass.
  const double passes = std::max<int64_t>(1, profile_sum(r.profile, "output head", "total").calls);
  double all = 0;
  for (const ProfileRow& p : r.profile)
    if (p.op == "total") all += p.seconds;
  std::printf("\nprofile of %s (count: layers per forward pass; ms per token; matmul GB/s = weight bytes streamed / "
              "matmul time):\n",
              r.test_name().c_str());
  std::printf("| section | count | total ms | share | matmul ms | matmul GB/s | attention ms | delta rule ms | other ms |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const ProfileRow& p : r.profile) {
    if (p.op != "total") continue;
    const ProfileRow matmul = profile_sum(r.profile, p.section, "matmul");
    const double mm = matmul.seconds;
    const double att = profile_sum(r.profile, p.section, "attention").seconds;
    const double dr = profile_sum(r.profile, p.section, "delta-rule").seconds;
    std::printf("| %s | %.0f | %.2f | %.1f%% | %.2f | %.1f | %.2f | %.2f | %.2f |\n", p.section.c_str(), p.calls / passes,
                1e3 * p.seconds / n, all > 0 ? 100 * p.seconds / all : 0.0, 1e3 * mm / n,
                mm > 0 ? matmul.bytes / mm / 1e9 : 0.0,
                1e3 * att / n, 1e3 * dr / n, 1e3 * (p.seconds - mm - att - dr) / n);
  }
}

void print_json(const BenchModel& model, const std::vector<BenchRecord>& records, const std::string& cpu) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const BenchRecord& r : records) {
    const SampleStats s = sample_stats(r.samples_ts);
    nlohmann::ordered_json j;
    j["model_filename"] = model.filename;
    j["model_type"] = model.type;
    j["model_size"] = model.size;
    j["model_n_params"] = model.n_params;
    j["backend"] = "CPU";
    j["cpu_info"] = cpu;
    j["test"] = r.test_name();
    j["n_prompt"] = r.n_prompt;
    j["n_gen"] = r.n_gen;
    j["n_depth"] = r.n_depth;
    j["n_threads"] = r.n_threads;
    j["n_batch"] = r.n_batch;
    j["kv_type"] = r.kv_type;
    if (!r.depth_fill.empty()) j["depth_fill"] = r.depth_fill;
    j["sparse_attn_topk"] = r.sparse_topk;
    j["n_reps"] = r.samples_ts.size();
    j["median_ts"] = s.median;
    j["avg_ts"] = s.mean;
    j["stddev_ts"] = s.stddev;
    j["min_ts"] = s.min;
    j["max_ts"] = s.max;
    j["samples_ts"] = r.samples_ts;
    j["samples_ns"] = r.samples_ns;
    j["peak_rss_bytes"] = r.peak_rss_bytes;
    if (!r.profile.empty()) {
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (const ProfileRow& p : r.profile)
        rows.push_back({{"section", p.section}, {"op", p.op}, {"calls", p.calls}, {"seconds", p.seconds}, {"bytes", p.bytes}});
      j["profile"] = std::move(rows);
    }
    if (r.mem_budget_bytes) {
      j["mem_budget_bytes"] = r.mem_budget_bytes;
      j["planned_bytes"] = r.planned_bytes;
    }
    j["limit_kind"] = r.limit_kind;
    j["limit_value"] = optional_number(r.limit_value);
    j["limit_isa"] = r.limit_isa ? nlohmann::ordered_json(*r.limit_isa) : nlohmann::ordered_json();
    j["limit_ts"] = optional_number(r.limit_ts());
    j["pct_of_limit"] = optional_number(r.pct_of_limit());
    j["bytes_per_token"] = r.bytes_per_token;
    j["ops_per_token"] = r.ops_per_token;
    out.push_back(std::move(j));
  }
  std::printf("%s\n", out.dump(2).c_str());
}

}  // namespace edgelm::cli
