#include "cli/bench_turns.h"

#include <chrono>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "edgelm/edgelm.h"
#include "edgelm/memory_plan.h"

namespace edgelm::cli {
namespace {

struct TurnRecord {
  int turn = 0;
  int64_t prompt_tokens = 0, new_tokens = 0, processed_tokens = 0, reused_tokens = 0;
  double ttft_ms = 0, gen_ms = 0;
  int gen_tokens = 0;
  size_t state_bytes = 0;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Random token ids standing in for the text of a message: the cost of a turn
// depends on how many tokens it has, not on what they say.
std::vector<int32_t> message(std::mt19937& rng, int n, int n_vocab) {
  std::uniform_int_distribution<int32_t> id(0, n_vocab - 1);
  std::vector<int32_t> out(n);
  for (int32_t& t : out) t = id(rng);
  return out;
}

TurnRecord run_turn(Session& s, Sampler& sampler, std::vector<int32_t>& context, const TurnsOptions& o, int turn,
                    bool reuse) {
  TurnRecord r;
  r.turn = turn;
  r.prompt_tokens = static_cast<int64_t>(context.size());
  PrefixReuse info;
  auto t0 = std::chrono::steady_clock::now();
  if (!reuse) s.reset();
  std::span<const float> logits = s.prefill_cached(context, &info);
  int32_t token = sampler.sample(logits);
  r.ttft_ms = ms_since(t0);
  r.processed_tokens = info.processed_tokens;
  r.reused_tokens = info.reused_tokens;
  t0 = std::chrono::steady_clock::now();
  context.push_back(token);
  for (int i = 1; i < o.reply_tokens; ++i) {
    token = sampler.sample(s.decode(token));
    context.push_back(token);
  }
  r.gen_ms = ms_since(t0);
  r.gen_tokens = o.reply_tokens;
  r.state_bytes = s.state_bytes();
  return r;
}

void print(const std::vector<TurnRecord>& records, bool json) {
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const TurnRecord& r : records)
      out.push_back({{"turn", r.turn}, {"prompt_tokens", r.prompt_tokens}, {"new_tokens", r.new_tokens},
                     {"processed_tokens", r.processed_tokens}, {"reused_tokens", r.reused_tokens},
                     {"ttft_ms", r.ttft_ms}, {"gen_tokens", r.gen_tokens}, {"gen_ms", r.gen_ms},
                     {"state_bytes", r.state_bytes}});
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("| turn | prompt tokens | new tokens | processed | reused | TTFT ms | gen t/s | state MiB |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const TurnRecord& r : records)
    std::printf("| %d | %lld | %lld | %lld | %lld | %.1f | %.2f | %.1f |\n", r.turn,
                static_cast<long long>(r.prompt_tokens), static_cast<long long>(r.new_tokens),
                static_cast<long long>(r.processed_tokens), static_cast<long long>(r.reused_tokens), r.ttft_ms,
                r.gen_ms > 0 ? (r.gen_tokens - 1) * 1000.0 / r.gen_ms : 0.0, r.state_bytes / 1048576.0);
}

}  // namespace

int run_turns_bench(const TurnsOptions& o) {
  auto model = Model::load(o.model_path);
  SessionOptions so;
  so.n_threads = o.n_threads;
  so.pin_threads = o.pin_threads;
  so.n_batch = o.n_batch;
  so.kv_type = o.kv_type;
  so.n_ctx = static_cast<int64_t>(o.turns) * (o.message_tokens + o.reply_tokens) + 16;
  if (!o.mem_budget.empty()) {
    const MemoryPlan plan = fit_memory_budget(*model, parse_byte_size(o.mem_budget), so.n_ctx, o.n_batch);
    std::fprintf(stderr, "memory plan: %s\n", plan.describe().c_str());
    if (plan.n_ctx < so.n_ctx) throw Error("the conversation needs " + std::to_string(so.n_ctx) +
                                           " tokens of context but the budget allows " + std::to_string(plan.n_ctx));
    so.kv_type = plan.kv_type;
  }
  Session session(*model, so);
  SamplerOptions sampling;
  sampling.temperature = 0.0f;   // replies are part of the next prompt: keep them reproducible
  Sampler sampler(sampling);
  std::mt19937 rng(1234);
  std::vector<int32_t> context;
  std::vector<TurnRecord> records;
  for (int turn = 1; turn <= o.turns; ++turn) {
    const size_t before = context.size();
    const std::vector<int32_t> msg = message(rng, o.message_tokens, model->info().n_vocab);
    context.insert(context.end(), msg.begin(), msg.end());
    TurnRecord r = run_turn(session, sampler, context, o, turn, !o.no_reuse);
    // New to this turn: the message, plus the last reply token (sampled but
    // not yet run through the model when the previous turn ended).
    r.new_tokens = static_cast<int64_t>(r.prompt_tokens - before) + (turn > 1 ? 1 : 0);
    records.push_back(r);
  }
  print(records, o.json);
  return 0;
}

}  // namespace edgelm::cli
