// IFEval against a model: one single-turn chat per prompt, scored by the
// official rules (eval/ifeval/).
#include <chrono>
#include <unordered_map>

#include "edgelm/error.h"
#include "eval/suites.h"

namespace edgelm::eval {
namespace {

IfevalSummary score(const std::vector<ifeval::Prompt>& prompts, const std::vector<std::string>& responses,
                    const std::filesystem::path& out_dir) {
  const ifeval::Scorer scorer(data_dir() / "evals" / "ifeval");
  std::vector<ifeval::Result> strict, loose;
  for (size_t i = 0; i < prompts.size(); ++i) {
    strict.push_back(scorer.strict(prompts[i], responses[i]));
    loose.push_back(scorer.loose(prompts[i], responses[i]));
  }
  std::filesystem::create_directories(out_dir);
  ifeval::write_results(out_dir / "eval_results_strict.jsonl", strict);
  ifeval::write_results(out_dir / "eval_results_loose.jsonl", loose);
  IfevalSummary s;
  s.accuracy = ifeval::accuracy(strict, loose);
  s.prompt_strict.n = strict.size();
  for (const ifeval::Result& r : strict) s.prompt_strict.successes += r.all_followed();
  return s;
}

}  // namespace

JsonDoc IfevalSummary::to_json() const {
  return {{"prompts", accuracy.prompts},
          {"instructions", accuracy.instructions},
          {"prompt_strict", accuracy.prompt_strict},
          {"instruction_strict", accuracy.instruction_strict},
          {"prompt_loose", accuracy.prompt_loose},
          {"instruction_loose", accuracy.instruction_loose},
          {"score", prompt_strict.to_json()},
          {"errors", errors},
          {"seconds", seconds}};
}

IfevalSummary run_ifeval(ChatBackend& backend, const SuiteOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<ifeval::Prompt> prompts = ifeval::load_prompts(data_dir() / "evals" / "ifeval" / "input_data.jsonl");
  if (options.limit && options.limit < prompts.size()) prompts.resize(options.limit);
  ResultLog log(options.out_dir / "responses.jsonl");
  std::vector<std::string> responses;
  size_t errors = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const std::string key = std::to_string(prompts[i].key);
    if (options.progress) options.progress(i, prompts.size(), "ifeval " + key);
    if (!log.has(key)) {
      const JsonDoc messages = JsonDoc::array({{{"role", "user"}, {"content", prompts[i].prompt}}});
      const Reply reply = backend.chat(messages, JsonDoc(), options.seed);
      log.add(key, {{"prompt", prompts[i].prompt},
                    {"response", reply.content},
                    {"error", reply.error},
                    {"completion_tokens", reply.completion_tokens},
                    {"seconds", reply.seconds}});
    }
    const JsonDoc& record = log.get(key);
    errors += !record.value("error", "").empty();
    responses.push_back(record.value("response", ""));
  }
  if (options.progress) options.progress(prompts.size(), prompts.size(), "ifeval");
  IfevalSummary s = score(prompts, responses, options.out_dir);
  s.errors = errors;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

IfevalSummary score_ifeval(const std::filesystem::path& prompts_file, const std::filesystem::path& responses_file,
                           const std::filesystem::path& out_dir) {
  const std::vector<ifeval::Prompt> prompts = ifeval::load_prompts(prompts_file);
  // The official scorer pairs responses with prompts by the prompt's text.
  std::unordered_map<std::string, std::string> by_prompt;
  for (ifeval::PromptResponse& pr : ifeval::load_responses(responses_file))
    by_prompt.emplace(std::move(pr.prompt), std::move(pr.response));
  std::vector<std::string> responses;
  for (const ifeval::Prompt& p : prompts) {
    auto it = by_prompt.find(p.prompt);
    if (it == by_prompt.end())
      throw Error("'" + responses_file.string() + "' has no response to prompt " + std::to_string(p.key) +
                  " of '" + prompts_file.string() + "' (responses are matched by the prompt's exact text)");
    responses.push_back(it->second);
  }
  return score(prompts, responses, out_dir);
}

}  // namespace edgelm::eval
