// edgelm bench: prompt-processing (pp) and generation (tg) speed at given
// context depths and thread counts, llama-bench style, each compared with the
// ceiling this machine puts on it: memory bandwidth for generation (every
// weight is read once per token), peak int8 or fp32 arithmetic for prompts.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "cli/bench_machine.h"
#include "cli/bench_report.h"
#include "cli/bench_turns.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/bench.h"
#include "edgelm/memory_plan.h"

namespace edgelm::cli {
namespace {

struct BenchFlags {
  std::string model_path;
  std::string prompts = "512", gens = "128", depths = "0", threads;
  int reps = 5;
  int n_batch = 512;
  std::string kv_type = "f16";
  bool kv_type_given = false;
  std::string mem_budget;   // empty: no budget
  bool json = false, markdown = false;
  bool force_probe = false, no_probe = false;
  bool profile = false;
  std::string depth_fill = "compute";   // or "random" (BenchContext::fill_random)
  int sparse_topk = 0;
  bool pin = false;
  std::string probe_cache = default_probe_cache_path();
};

struct BenchPlan {
  std::vector<int32_t> prompts, gens, depths, threads;
};

std::vector<int32_t> checked_list(const std::string& text, const char* what, int32_t lo, int32_t hi) {
  std::vector<int32_t> v = parse_int_list(text, what);
  for (int32_t x : v)
    if (x < lo || x > hi)
      throw Error(std::string(what) + " " + std::to_string(x) + " out of range [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
  return v;
}

BenchPlan make_plan(const BenchFlags& f) {
  BenchPlan p;
  p.prompts = checked_list(f.prompts, "prompt length", 0, 1 << 20);
  p.gens = checked_list(f.gens, "generation length", 0, 1 << 20);
  p.depths = checked_list(f.depths, "depth", 0, 1 << 24);
  p.threads = checked_list(f.threads, "thread count", 1, 1024);
  const auto positive = [](int32_t x) { return x > 0; };
  if (std::none_of(p.prompts.begin(), p.prompts.end(), positive) && std::none_of(p.gens.begin(), p.gens.end(), positive))
    throw Error("nothing to run: every -p and -n value is 0");
  return p;
}

std::string compact_count(uint64_t n) {
  char buf[32];
  const double v = static_cast<double>(n);
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.1fB", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else std::snprintf(buf, sizeof buf, "%.1fK", v / 1e3);
  return buf;
}

// What one token of this test costs, averaged over the positions it runs at
// (a token at position p sees p + 1 positions).
void set_costs(const TokenCost& cost, BenchRecord& r) {
  double bytes = 0, macs = 0;
  for (int64_t pos = r.n_depth; pos < r.n_depth + r.n_tokens(); ++pos) {
    bytes += static_cast<double>(cost.bytes_at(pos + 1));
    macs += static_cast<double>(cost.macs_at(pos + 1));
  }
  r.bytes_per_token = bytes / r.n_tokens();
  r.ops_per_token = 2.0 * macs / r.n_tokens();
  r.limit_kind = r.n_gen > 0 ? "bandwidth" : cost.float_weights ? "fp32" : "int8";
}

void set_limit(const MachineLimits& m, BenchRecord& r) {
  if (r.limit_kind == "bandwidth") {
    r.limit_value = m.read_bytes_per_s;
  } else if (r.limit_kind == "fp32") {
    r.limit_value = m.fp32_flops_per_s;
    r.limit_isa = m.fp32_isa;
  } else {
    r.limit_value = m.int8_ops_per_s;
    r.limit_isa = m.int8_isa;
  }
}

// One warm-up run, then `reps` timed runs; `time_once(seed)` returns seconds.
template <typename TimeOnce>
void time_test(int reps, BenchRecord& r, const TimeOnce& time_once) {
  time_once(uint64_t{999});
  for (int i = 0; i < reps; ++i) {
    const double seconds = std::max(time_once(uint64_t{1000} + i), 1e-9);
    r.samples_ns.push_back(seconds * 1e9);
    r.samples_ts.push_back(r.n_tokens() / seconds);
  }
  r.peak_rss_bytes = peak_rss_bytes();
}

// The KV encoding a group of tests at context n_ctx runs with. Under a memory
// budget: the one asked for if it fits, else (none asked for) the most
// accurate that fits; refuses with the breakdown when nothing does.
KvType group_kv_type(const Model& model, const BenchFlags& f, int64_t n_ctx, uint64_t* planned) {
  if (f.mem_budget.empty()) return parse_kv_type(f.kv_type);
  const uint64_t budget = parse_byte_size(f.mem_budget);
  MemoryPlan plan = plan_memory(model, n_ctx, parse_kv_type(f.kv_type), f.n_batch);
  if (!f.kv_type_given && plan.total() > budget) {
    const MemoryPlan best = fit_memory_budget(model, budget, n_ctx, f.n_batch);
    if (best.n_ctx >= n_ctx) plan = plan_memory(model, n_ctx, best.kv_type, f.n_batch);
  }
  if (plan.total() > budget)
    throw Error("a " + std::to_string(n_ctx) + "-token context does not fit the memory budget of " + f.mem_budget +
                ": " + plan.describe());
  std::fprintf(stderr, "bench: memory plan within %s: %s\n", f.mem_budget.c_str(), plan.describe().c_str());
  *planned = plan.total();
  return plan.kv_type;
}

// Every test at one thread count and depth, in one context filled once.
void run_group(const Model& model, const BenchFlags& f, const BenchPlan& plan, int n_threads, int64_t depth,
               std::vector<BenchRecord>& out) {
  const int32_t longest = std::max(*std::max_element(plan.prompts.begin(), plan.prompts.end()),
                                   *std::max_element(plan.gens.begin(), plan.gens.end()));
  uint64_t planned = 0;
  const KvType kv_type = group_kv_type(model, f, depth + longest, &planned);
  const TokenCost cost = token_cost(model, kv_type);
  reset_peak_rss();
  BenchContext ctx(model, {.n_threads = n_threads, .n_ctx = depth + longest, .n_batch = f.n_batch, .kv_type = kv_type,
                           .sparse_topk = f.sparse_topk, .pin_threads = f.pin});
  if (f.depth_fill == "random") ctx.fill_random(depth, /*seed=*/42);
  else ctx.fill(depth, /*seed=*/42);
  auto record = [&](int n_prompt, int n_gen) {
    BenchRecord r;
    r.n_prompt = n_prompt;
    r.n_gen = n_gen;
    r.n_depth = depth;
    r.n_threads = n_threads;
    r.n_batch = f.n_batch;
    r.kv_type = kv_type_name(kv_type);
    r.depth_fill = depth > 0 ? f.depth_fill : "";
    r.sparse_topk = f.sparse_topk;
    if (planned) {
      r.mem_budget_bytes = parse_byte_size(f.mem_budget);
      r.planned_bytes = planned;
    }
    set_costs(cost, r);
    return r;
  };
  for (int32_t n : plan.prompts) {
    if (n <= 0) continue;
    BenchRecord r = record(n, 0);
    time_test(f.reps, r, [&](uint64_t seed) { return ctx.time_prompt(n, seed); });
    if (f.profile) r.profile = ctx.profile(n, uint64_t{2000}, true);
    out.push_back(std::move(r));
  }
  for (int32_t n : plan.gens) {
    if (n <= 0) continue;
    BenchRecord r = record(0, n);
    time_test(f.reps, r, [&](uint64_t seed) { return ctx.time_generation(n, seed); });
    if (f.profile) r.profile = ctx.profile(n, uint64_t{2000}, false);
    out.push_back(std::move(r));
  }
}

// The machine's ceilings at each thread count: cached, or probed now (after
// the tests, so that the probe's buffers do not count in their peak memory).
std::vector<MachineLimits> machine_limits(const BenchFlags& f, const BenchPlan& plan, const std::string& cpu) {
  std::vector<MachineLimits> out;
  for (int32_t t : plan.threads) {
    if (std::any_of(out.begin(), out.end(), [&](const MachineLimits& m) { return m.n_threads == t; })) continue;
    std::optional<MachineLimits> m;
    if (!f.force_probe) m = load_cached_limits(f.probe_cache, cpu, t);
    if (!m) {
      std::fprintf(stderr, "bench: probing memory bandwidth and peak arithmetic with %d threads...\n", t);
      m = probe_machine(t);
      if (!f.probe_cache.empty() && !store_cached_limits(f.probe_cache, *m))
        std::fprintf(stderr, "bench: cannot write the probe cache '%s'\n", f.probe_cache.c_str());
    }
    out.push_back(*m);
  }
  return out;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  CLI::App app("Measure prompt processing (pp) and generation (tg) speed, llama-bench style, and compare it with "
               "this machine's limits (memory bandwidth for tg, peak int8/fp32 arithmetic for pp)",
               "bench");
  BenchFlags f;
  const unsigned hw = std::thread::hardware_concurrency();
  f.threads = std::to_string(hw ? hw : 1);
  app.add_option("-m,--model", f.model_path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_option("-p,--n-prompt", f.prompts, "prompt lengths, comma-separated (0 = no pp test)")->capture_default_str();
  app.add_option("-n,--n-gen", f.gens, "generation lengths, comma-separated (0 = no tg test)")->capture_default_str();
  app.add_option("-d,--n-depth", f.depths, "context depths the tests run after, comma-separated")->capture_default_str();
  app.add_option("-t,--threads", f.threads, "thread counts, comma-separated")->capture_default_str();
  app.add_option("-r,--repetitions", f.reps, "timed repetitions of each test (after one warm-up)")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("-b,--batch-size", f.n_batch, "prompt tokens per forward pass")
      ->capture_default_str()->check(CLI::Range(1, 1 << 16));
  auto* kv_opt = app.add_option("--kv-type", f.kv_type, "KV cache encoding: f32, f16, q8_0, q4")->capture_default_str();
  auto* json = app.add_flag("--json", f.json, "print one JSON record per test");
  app.add_flag("--md", f.markdown, "print a markdown table (the default)")->excludes(json);
  auto* probe = app.add_flag("--probe", f.force_probe, "measure the machine's limits again, even if cached");
  app.add_flag("--no-probe", f.no_probe, "skip the machine's limits (no % of limit)")->excludes(probe);
  app.add_option("--depth-fill", f.depth_fill,
                 "how the -d context is made: compute (run random tokens through the model) or random (write random "
                 "keys, values and state into the cache: same decode work and memory, seconds instead of minutes)")
      ->capture_default_str()->check(CLI::IsMember({"compute", "random"}));
  app.add_option("--sparse-attn", f.sparse_topk,
                 "decode full-attention layers over only the TOPK most relevant key pages (0 = dense)")
      ->capture_default_str()->check(CLI::Range(0, 1 << 20));
  app.add_flag("--pin", f.pin, "bind thread i to the i-th CPU this process may use (the main thread too)");
  app.add_flag("--profile", f.profile,
               "after each test, run it once more with a per-layer-kind profile (not in the timings)");
  app.add_option("--probe-cache", f.probe_cache, "file caching the probe results ('' = none)")->capture_default_str();
  TurnsOptions turns;
  auto* turns_opt = app.add_option("--turns", turns.turns,
                                   "replay an N-turn conversation instead, reporting per turn the tokens processed "
                                   "and the time to first token")->check(CLI::Range(1, 1000));
  app.add_option("--turn-tokens", turns.message_tokens, "new message tokens per turn (with --turns)")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("--reply-tokens", turns.reply_tokens, "tokens generated per turn (with --turns)")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("--mem-budget", f.mem_budget,
                 "memory budget (e.g. 6GiB): each test's context must fit it, with the KV encoding asked for or "
                 "else the most accurate one that fits; refuses with the breakdown otherwise");
  app.add_flag("--no-reuse", turns.no_reuse, "with --turns: reprocess every turn from scratch, for comparison");
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  f.model_path = resolve_model_argument(f.model_path);
  f.kv_type_given = kv_opt->count() > 0;
  if (!f.mem_budget.empty()) parse_byte_size(f.mem_budget);   // a bad size fails before the model loads
  if (*turns_opt) {
    turns.mem_budget = f.mem_budget;
    require_file(f.model_path, "model file");
    turns.model_path = f.model_path;
    turns.n_threads = parse_int_list(f.threads, "thread count").at(0);
    turns.pin_threads = f.pin;
    turns.n_batch = f.n_batch;
    turns.kv_type = parse_kv_type(f.kv_type);
    turns.json = f.json;
    return run_turns_bench(turns);
  }
  const BenchPlan plan = make_plan(f);
  require_file(f.model_path, "model file");

  auto model = Model::load(f.model_path);
  const TokenCost cost = token_cost(*model, parse_kv_type(f.kv_type));
  std::vector<BenchRecord> records;
  for (int32_t t : plan.threads)
    for (int32_t d : plan.depths) run_group(*model, f, plan, t, d, records);

  const std::string cpu = cpu_model_name();
  const std::vector<MachineLimits> limits = f.no_probe ? std::vector<MachineLimits>{} : machine_limits(f, plan, cpu);
  for (BenchRecord& r : records)
    for (const MachineLimits& m : limits)
      if (m.n_threads == r.n_threads) set_limit(m, r);

  const ModelInfo& info = model->info();
  BenchModel bm;
  bm.filename = f.model_path;
  // The file's recipe as llama-bench names it ("Q4_K_M"), else the type holding most matrix bytes.
  bm.type = info.architecture + " " + compact_count(info.n_params) + " " +
            (info.file_type.empty() ? cost.weight_type : info.file_type);
  bm.size = info.weight_bytes;
  bm.n_params = info.n_params;
  if (f.json) print_json(bm, records, cpu);
  else print_markdown(bm, records, limits);
  return 0;
}

}  // namespace edgelm::cli
