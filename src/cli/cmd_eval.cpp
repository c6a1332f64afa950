// edgelm eval: quality suites against a local model or any OpenAI-compatible server.
//   edgelm eval ifeval -m MODEL [--limit N] [--out DIR]
//   edgelm eval ifeval --responses FILE.jsonl [--input FILE.jsonl] --out DIR
//   edgelm eval bfcl -m MODEL [--categories simple,multiple,...,live_*] [--limit N] [--out DIR]
//   edgelm eval bfcl --check FILE.jsonl [-o OUT.jsonl]
//   edgelm eval agent -m MODEL [--seeds K] [--limit N] [--out DIR]
// Every generating form also takes --endpoint URL [--endpoint-model NAME] [--api-key KEY] instead of -m.
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "cli/progress.h"
#include "edgelm/error.h"
#include "eval/suites.h"

namespace edgelm::cli {
namespace {

struct Source {
  std::string model, endpoint, endpoint_model, api_key, think = "off";
  eval::GenerationSettings gen;
  size_t limit = 0;
  uint64_t seed = 0;
  std::string out;

  void add_options(CLI::App& app, bool generating) {
    if (generating) {
      app.add_option("-m,--model", model, "GGUF model file or hub reference OWNER/REPO[:QUANT]");
      app.add_option("--endpoint", endpoint, "evaluate an OpenAI-compatible server at this URL instead of -m");
      app.add_option("--endpoint-model", endpoint_model, "model name to ask the endpoint for (default: its first)");
      app.add_option("--api-key", api_key, "bearer key for the endpoint (default: $OPENAI_API_KEY)");
      app.add_option("--limit", limit, "evaluate only the first N items (BFCL: per category)");
      app.add_option("-t,--threads", gen.n_threads, "threads (0 = all)");
      app.add_option("-c,--ctx", gen.n_ctx, "context length of the local session")->capture_default_str();
      app.add_option("-n,--max-tokens", gen.max_tokens, "tokens per reply at most")->capture_default_str();
      app.add_option("--temp", gen.temperature, "sampling temperature (0 = greedy)")->capture_default_str();
      app.add_option("--seed", seed, "sampling seed (agent: the first of --seeds)")->capture_default_str();
      app.add_option("--chat-template", gen.chat_template_path, "Jinja chat template instead of the model's");
      app.add_option("--think", think, "reasoning: on, off, or model (the template's default)")
          ->check(CLI::IsMember({"on", "off", "model"}))
          ->capture_default_str();
    }
    app.add_option("-o,--out", out, "folder for results (kept: a rerun resumes); with --check: the output file");
  }

  std::unique_ptr<eval::ChatBackend> backend() {
    gen.enable_thinking = think == "model" ? std::nullopt : std::optional<bool>(think == "on");
    if (!endpoint.empty() && !model.empty()) throw Error("give either -m or --endpoint, not both");
    if (!endpoint.empty()) return eval::endpoint_backend(endpoint, endpoint_model, api_key, gen);
    if (model.empty()) throw Error("no model: give -m MODEL or --endpoint URL");
    return eval::local_backend(resolve_model_argument(model), gen);
  }

  eval::SuiteOptions options(const std::string& suite, const eval::ChatBackend& b, ProgressBar& bar) const {
    eval::SuiteOptions o;
    o.limit = limit;
    o.seed = seed;
    o.out_dir = out.empty() ? std::filesystem::path("edgelm-eval") / (suite + "-" + safe_label(b.label()))
                            : std::filesystem::path(out);
    o.progress = [&bar](size_t done, size_t total, const std::string& item) { bar.update(done, total, item); };
    return o;
  }

  static std::string safe_label(std::string s) {
    for (char& c : s)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
    return s;
  }
};

void print_ifeval(const eval::IfevalSummary& s) {
  std::printf("prompts %zu, instructions %zu\n", s.accuracy.prompts, s.accuracy.instructions);
  std::printf("prompt-level strict accuracy:      %6.2f %%  (95%% CI %.2f-%.2f)\n", 100 * s.accuracy.prompt_strict,
              100 * s.prompt_strict.low(), 100 * s.prompt_strict.high());
  std::printf("instruction-level strict accuracy: %6.2f %%\n", 100 * s.accuracy.instruction_strict);
  std::printf("prompt-level loose accuracy:       %6.2f %%\n", 100 * s.accuracy.prompt_loose);
  std::printf("instruction-level loose accuracy:  %6.2f %%\n", 100 * s.accuracy.instruction_loose);
  if (s.errors) std::printf("items without a reply: %zu (scored as not followed)\n", s.errors);
}

void print_proportion(const char* name, const eval::Proportion& p) {
  std::printf("%-24s %6.2f %%  %zu/%zu  (95%% CI %.2f-%.2f)\n", name, 100 * p.value(), p.successes, p.n,
              100 * p.low(), 100 * p.high());
}

void write_summary(const std::filesystem::path& dir, const eval::JsonDoc& summary) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "summary.json") << summary.dump(2) << '\n';
}

int ifeval_command(Source& src, const std::string& responses, const std::string& input) {
  if (!responses.empty()) {
    const std::filesystem::path prompts =
        input.empty() ? eval::data_dir() / "evals" / "ifeval" / "input_data.jsonl" : std::filesystem::path(input);
    const std::filesystem::path out = src.out.empty() ? "edgelm-eval/ifeval-responses" : src.out;
    const eval::IfevalSummary s = eval::score_ifeval(prompts, responses, out);
    print_ifeval(s);
    write_summary(out, s.to_json());
    std::printf("results: %s/eval_results_{strict,loose}.jsonl\n", out.c_str());
    return 0;
  }
  auto backend = src.backend();
  ProgressBar bar("ifeval " + backend->label());
  const eval::SuiteOptions o = src.options("ifeval", *backend, bar);
  const eval::IfevalSummary s = eval::run_ifeval(*backend, o);
  bar.finish();
  print_ifeval(s);
  write_summary(o.out_dir, s.to_json());
  std::printf("results: %s\n", o.out_dir.c_str());
  return 0;
}

int bfcl_command(Source& src, const std::string& categories, const std::string& check) {
  if (!check.empty()) {
    if (src.out.empty()) {
      eval::check_bfcl_file(check, std::cout);
    } else {
      std::ofstream out(src.out);
      if (!out) throw Error("cannot write '" + src.out + "'");
      const size_t valid = eval::check_bfcl_file(check, out);
      std::fprintf(stderr, "%zu valid lines; written to %s\n", valid, src.out.c_str());
    }
    return 0;
  }
  std::vector<std::string> cats;
  for (size_t pos = 0; pos < categories.size();) {
    size_t end = categories.find(',', pos);
    if (end == std::string::npos) end = categories.size();
    if (end > pos) cats.push_back(categories.substr(pos, end - pos));
    pos = end + 1;
  }
  auto backend = src.backend();
  ProgressBar bar("bfcl " + backend->label());
  const eval::SuiteOptions o = src.options("bfcl", *backend, bar);
  const eval::BfclSummary s = eval::run_bfcl(*backend, cats, o);
  bar.finish();
  for (const auto& [name, p] : s.by_category) print_proportion(name.c_str(), p);
  print_proportion("overall", s.overall);
  if (s.errors) std::printf("items without a reply: %zu (scored as wrong)\n", s.errors);
  write_summary(o.out_dir, s.to_json());
  std::printf("results: %s\n", o.out_dir.c_str());
  return 0;
}

int agent_command(Source& src, int seeds) {
  auto backend = src.backend();
  ProgressBar bar("agent " + backend->label());
  const eval::SuiteOptions o = src.options("agent", *backend, bar);
  const eval::AgentSummary s = eval::run_agent(*backend, seeds, o);
  bar.finish();
  std::printf("%-28s %7s %7s %8s %8s\n", "task", "passed", "turns", "tokens", "seconds");
  for (const eval::JsonDoc& t : s.tasks)
    std::printf("%-28s %4d/%-2d %7.1f %8.0f %8.1f\n", t["id"].get<std::string>().c_str(), t["passes"].get<int>(),
                seeds, t["turns"].get<double>(), t["tokens"].get<double>(), t["seconds"].get<double>());
  print_proportion("pass rate", s.pass);
  print_proportion(("pass^" + std::to_string(seeds)).c_str(), s.pass_all_seeds);
  std::printf("per task run: %.1f turns, %.0f generated tokens, %.1f s\n", s.mean_turns, s.mean_tokens,
              s.mean_seconds);
  write_summary(o.out_dir, s.to_json());
  std::printf("results: %s\n", o.out_dir.c_str());
  return 0;
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  CLI::App app{"Score a model (or an OpenAI-compatible server) on IFEval, BFCL function calling or agent tasks",
               "eval"};
  app.require_subcommand(1);
  Source src;
  std::string responses, input, categories, check;
  int seeds = 1;

  CLI::App* ifeval = app.add_subcommand("ifeval", "IFEval: verifiable instruction following (541 prompts)");
  src.add_options(*ifeval, true);
  ifeval->add_option("--responses", responses, "score these {prompt, response} lines instead of generating");
  ifeval->add_option("--input", input, "prompt set for --responses (default: the shipped input_data.jsonl)");

  CLI::App* bfcl = app.add_subcommand("bfcl", "BFCL single-turn function calling, checked by the AST rules");
  src.add_options(*bfcl, true);
  bfcl->add_option("--categories", categories,
                   "comma-separated: simple_python (simple), multiple, parallel, parallel_multiple, irrelevance, "
                   "simple_java, simple_javascript, live_* ... (default: the five non-live python ones)");
  bfcl->add_option("--check", check, "check lines {id, category, model_output} instead of generating");

  CLI::App* agent = app.add_subcommand("agent", "multi-turn tasks with real tools in a temporary folder");
  src.add_options(*agent, true);
  agent->add_option("--seeds", seeds, "runs of every task with seeds --seed, --seed+1, ... (pass^k)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();

  if (const int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  if (ifeval->parsed()) return ifeval_command(src, responses, input);
  if (bfcl->parsed()) return bfcl_command(src, categories, check);
  return agent_command(src, seeds);
}

}  // namespace edgelm::cli
