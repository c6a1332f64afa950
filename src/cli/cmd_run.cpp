// edgelm run: stream a completion of a prompt to stdout, speeds to stderr.
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/edgelm.h"
#include "edgelm/memory_plan.h"

namespace edgelm::cli {

int cmd_run(int argc, char** argv) {
  CLI::App app("Generate text from a prompt", "run");
  std::string model_path, prompt;
  int n_predict = 128, n_threads = 0;
  bool pin = false;
  int64_t n_ctx = 0;
  int64_t seed = -1;
  SamplerOptions so;
  std::string kv_type = "f16", mem_budget, schema_path, grammar_path;
  app.add_option("-m,--model", model_path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_option("-p,--prompt", prompt, "prompt text")->required();
  app.add_option("-n,--n-predict", n_predict, "tokens to generate")->capture_default_str()->check(CLI::Range(0, 1 << 24));
  app.add_option("-t,--threads", n_threads, "threads (0 = all)")->check(CLI::Range(0, 1024));
  app.add_flag("--pin", pin, "bind thread i to the i-th CPU this process may use (the main thread too)");
  app.add_option("-c,--ctx-size", n_ctx, "context length (0 = min(train, 4096))")->check(CLI::Range(int64_t{0}, int64_t{1} << 24));
  app.add_option("--temp", so.temperature, "temperature (0 = greedy)")->capture_default_str();
  app.add_option("--top-k", so.top_k, "top-k (0 = off)")->capture_default_str();
  app.add_option("--top-p", so.top_p, "top-p (1 = off)")->capture_default_str();
  app.add_option("--min-p", so.min_p, "min-p (0 = off)")->capture_default_str();
  app.add_option("--repeat-penalty", so.repeat_penalty, "repetition penalty (1 = off)")->capture_default_str();
  app.add_option("--repeat-last-n", so.repeat_last_n, "tokens the penalties look back on")->capture_default_str();
  app.add_option("--presence-penalty", so.presence_penalty, "presence penalty")->capture_default_str();
  app.add_option("--frequency-penalty", so.frequency_penalty, "frequency penalty")->capture_default_str();
  auto* kv_opt = app.add_option("--kv-type", kv_type, "KV cache encoding: f32, f16, q8_0, q4")->capture_default_str();
  app.add_option("--mem-budget", mem_budget,
                 "memory budget (e.g. 6GiB): picks the largest context and KV encoding that fit, or refuses")
      ->excludes(kv_opt);
  int sparse_topk = 0;
  app.add_option("--sparse-attn", sparse_topk,
                 "decode with dynamic sparse attention over the TOPK best key pages of full-attention layers (0 = dense)")
      ->check(CLI::Range(0, 1 << 20));
  auto* schema_opt = app.add_option("--json-schema", schema_path, "constrain the output to JSON valid against this schema file");
  app.add_option("--grammar", grammar_path, "constrain the output to this GBNF grammar file")->excludes(schema_opt);
  app.add_option("--seed", seed, "random seed (-1 = from the clock)")->capture_default_str();
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  model_path = resolve_model_argument(model_path);
  require_file(model_path, "model file");

  so.seed = seed >= 0 ? static_cast<uint64_t>(seed)
                      : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  auto model = Model::load(model_path);
  SessionOptions opts;
  if (!mem_budget.empty()) {
    const MemoryPlan plan = fit_memory_budget(*model, parse_byte_size(mem_budget), n_ctx);
    std::fprintf(stderr, "memory plan: %s\n", plan.describe().c_str());
    n_ctx = plan.n_ctx;
    kv_type = kv_type_name(plan.kv_type);
  }
  opts.n_ctx = n_ctx;
  opts.n_threads = n_threads;
  opts.pin_threads = pin;
  opts.kv_type = parse_kv_type(kv_type);
  opts.sparse_attention_topk = sparse_topk;
  Session session(*model, opts);
  if (!schema_path.empty()) so.grammar = GrammarConstraint::json_schema(*model, read_file(schema_path, "schema file"));
  if (!grammar_path.empty()) so.grammar = GrammarConstraint::gbnf(*model, read_file(grammar_path, "grammar file"));
  Sampler sampler(so);
  const std::vector<int32_t> tokens = model->tokenize(prompt, /*add_special=*/true);
  if (tokens.empty()) throw Error("the prompt produced no tokens");
  if (static_cast<int64_t>(tokens.size()) >= session.context_size())
    throw Error("prompt of " + std::to_string(tokens.size()) + " tokens does not fit the context of " +
                std::to_string(session.context_size()));

  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  GenerationStats st = generate(session, sampler, tokens, n_predict, [](const std::string& piece) {
    std::fputs(piece.c_str(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputc('\n', stdout);
  std::fflush(stdout);   // the text before the statistics, also when both go to one file
  if (!sampler.grammar_complete())
    std::fprintf(stderr, "warning: generation stopped before the grammar was complete (raise -n)\n");
  std::fprintf(stderr, "prompt: %d tokens in %.3f s (%.2f tok/s); generation: %d tokens in %.3f s (%.2f tok/s)\n",
               st.prompt_tokens, st.prompt_seconds, st.prompt_tokens / std::max(st.prompt_seconds, 1e-9),
               st.generated_tokens, st.generation_seconds,
               st.generated_tokens / std::max(st.generation_seconds, 1e-9));
  return 0;
}

}  // namespace edgelm::cli
