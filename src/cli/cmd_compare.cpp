// edgelm compare: two models, one budget, one table (and an HTML report).
//   edgelm compare A.gguf B.gguf [--mem-budget 6GiB] [--suite speed,memory,context,ifeval,bfcl,agent]
//                  [--limit N] [--json FILE] [--html FILE]
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "cli/progress.h"
#include "edgelm/error.h"
#include "edgelm/memory_plan.h"
#include "eval/compare.h"

namespace edgelm::cli {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= text.size();) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::filesystem::path default_cache() {
  if (const char* e = std::getenv("EDGELM_CACHE"); e && *e) return std::filesystem::path(e) / "compare";
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::filesystem::path(x) / "edgelm" / "compare";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".cache" / "edgelm" / "compare";
  return std::filesystem::temp_directory_path() / "edgelm-compare";
}

}  // namespace

int cmd_compare(int argc, char** argv) {
  CLI::App app{"Two models side by side under one memory budget: speed at several context depths, time to first "
               "token of agent turns, memory by kind, the longest context that fits, and the quality suites with "
               "95 % intervals. Results are cached per model file and settings: a rerun resumes.",
               "compare"};
  std::string model_a, model_b, budget = "6GiB", suites = "speed,memory,context,ifeval,bfcl,agent", depths,
                                json_out, html_out, cache, think = "off";
  eval::CompareOptions o;
  app.add_option("A", model_a, "first model (GGUF file or OWNER/REPO[:QUANT])")->required();
  app.add_option("B", model_b, "second model")->required();
  app.add_option("--mem-budget", budget, "memory budget both models run under")->capture_default_str();
  app.add_option("--suite", suites, "comma-separated: speed, memory, context, ifeval, bfcl, agent")
      ->capture_default_str();
  app.add_option("--limit", o.limit, "items per quality suite (BFCL: per category); 0 = all");
  app.add_option("--depths", depths, "context depths of the speed suite (default 0,4096,16384,32768)");
  app.add_option("-p,--n-prompt", o.n_prompt, "prompt tokens of the prefill test")->capture_default_str();
  app.add_option("-n,--n-gen", o.n_gen, "tokens of the decode test")->capture_default_str();
  app.add_option("-r,--repetitions", o.repetitions, "timed repetitions per speed test")->capture_default_str();
  app.add_option("--turns", o.turns, "agent turns replayed for time to first token")->capture_default_str();
  app.add_option("-t,--threads", o.n_threads, "threads for both models")->capture_default_str();
  app.add_option("--seeds", o.agent_seeds, "agent-task runs per task (pass^k)")->capture_default_str();
  app.add_option("--max-tokens", o.generation.max_tokens, "tokens per reply at most")->capture_default_str();
  app.add_option("-c,--ctx", o.generation.n_ctx, "context of the quality suites' sessions")->capture_default_str();
  app.add_option("--temp", o.generation.temperature, "sampling temperature (0 = greedy)")->capture_default_str();
  app.add_option("--seed", o.seed, "sampling seed")->capture_default_str();
  app.add_option("--chat-template", o.generation.chat_template_path, "Jinja chat template for both models");
  app.add_option("--think", think, "reasoning: on, off, or model")
      ->check(CLI::IsMember({"on", "off", "model"}))
      ->capture_default_str();
  app.add_option("--json", json_out, "write all results as JSON to FILE");
  app.add_option("--html", html_out, "write a self-contained HTML report to FILE");
  app.add_option("--cache", cache, "results cache (default $EDGELM_CACHE/compare or ~/.cache/edgelm/compare)");
  if (const int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;

  o.mem_budget = parse_byte_size(budget);
  o.suites = split_list(suites);
  if (!depths.empty()) {
    o.depths.clear();
    for (int32_t d : parse_int_list(depths, "depth")) {
      if (d < 0) throw Error("depths must be >= 0");
      o.depths.push_back(d);
    }
  }
  o.generation.n_threads = o.n_threads;
  o.generation.enable_thinking = think == "model" ? std::nullopt : std::optional<bool>(think == "on");
  o.cache_dir = cache.empty() ? default_cache() : std::filesystem::path(cache);
  o.edgelm_binary = std::filesystem::read_symlink("/proc/self/exe");
  ProgressBar bar("compare");
  o.log = [&bar](const std::string& line) {
    bar.finish();
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  o.progress = [&bar](size_t done, size_t total, const std::string& item) { bar.update(done, total, item); };

  const std::string path_a = resolve_model_argument(model_a), path_b = resolve_model_argument(model_b);
  const eval::JsonDoc results = eval::compare_models(path_a, path_b, o);
  bar.finish();
  std::printf("%s", eval::compare_table(results).c_str());
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << results.dump(2) << '\n';
    if (!out) throw Error("cannot write '" + json_out + "'");
  }
  if (!html_out.empty()) {
    std::ofstream out(html_out);
    out << eval::compare_html(results);
    if (!out) throw Error("cannot write '" + html_out + "'");
    std::fprintf(stderr, "report: %s\n", html_out.c_str());
  }
  return 0;
}

}  // namespace edgelm::cli
