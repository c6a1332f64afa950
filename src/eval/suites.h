// The quality suites run against a ChatBackend: IFEval (instruction
// following), BFCL (function calling) and the agent tasks. Each writes its
// per-item results as JSON lines into an output folder as it goes; a run
// pointed at the same folder again skips what is already there, so an
// interrupted evaluation resumes where it stopped.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eval/backend.h"
#include "eval/ifeval/ifeval.h"

namespace edgelm::eval {

// Where edgelm's shipped data lives: $EDGELM_DATA_DIR, else <exe>/../share/edgelm,
// else the source tree's data/ this binary was built from.
std::filesystem::path data_dir();

// done/total items, with a short label of the current item.
using Progress = std::function<void(size_t done, size_t total, const std::string& item)>;

// A proportion with its 95 % Wilson score interval.
struct Proportion {
  size_t successes = 0, n = 0;
  double value() const { return n ? static_cast<double>(successes) / static_cast<double>(n) : 0.0; }
  double low() const;
  double high() const;
  JsonDoc to_json() const;   // {"value", "low", "high", "n"}
};

// One JSON line per finished item, keyed; reloaded on the next run.
class ResultLog {
 public:
  explicit ResultLog(const std::filesystem::path& file);
  bool has(const std::string& key) const { return done_.count(key) != 0; }
  const JsonDoc& get(const std::string& key) const { return done_.at(key); }
  void add(const std::string& key, JsonDoc record);   // appends and flushes the line ("key" added)
  size_t size() const { return done_.size(); }

 private:
  std::filesystem::path file_;
  std::map<std::string, JsonDoc> done_;
};

struct SuiteOptions {
  size_t limit = 0;          // items per suite (BFCL: per category); 0 = all
  std::filesystem::path out_dir;
  Progress progress;
  uint64_t seed = 0;
};

struct IfevalSummary {
  ifeval::Accuracy accuracy;
  Proportion prompt_strict;   // the headline, with its interval
  size_t errors = 0;          // items without a reply (counted as not followed)
  double seconds = 0;
  JsonDoc to_json() const;
};
// Generates a response to each prompt of data/evals/ifeval/input_data.jsonl,
// writes responses.jsonl (the official input_response_data format) and
// eval_results_{strict,loose}.jsonl into out_dir, and scores them.
IfevalSummary run_ifeval(ChatBackend& backend, const SuiteOptions& options);
// Scores given responses (`--responses`) against a prompt set: writes the two
// official result files into out_dir. Throws when a prompt has no response.
IfevalSummary score_ifeval(const std::filesystem::path& prompts_file, const std::filesystem::path& responses_file,
                           const std::filesystem::path& out_dir);

struct BfclSummary {
  std::map<std::string, Proportion> by_category;
  Proportion overall;         // all items of the run
  size_t errors = 0;
  double seconds = 0;
  JsonDoc to_json() const;
};
// categories: names or prefixes ending in '*' ("live_*"); empty = the
// non-live python categories (simple_python, multiple, parallel, parallel_multiple, irrelevance).
BfclSummary run_bfcl(ChatBackend& backend, const std::vector<std::string>& categories, const SuiteOptions& options);
// `--check`: each input line {id, category, model_output} written back to `out`
// with "valid" and "error_type" added. Returns the number of valid lines.
size_t check_bfcl_file(const std::filesystem::path& input, std::ostream& out);

struct AgentSummary {
  Proportion pass;            // over tasks x seeds
  Proportion pass_all_seeds;  // pass^k: tasks solved under every seed
  int seeds = 1;
  double mean_turns = 0, mean_tokens = 0, mean_seconds = 0;
  size_t errors = 0;
  JsonDoc tasks;              // per task: passes, turns, tokens, seconds
  JsonDoc to_json() const;
};
AgentSummary run_agent(ChatBackend& backend, int seeds, const SuiteOptions& options);

}  // namespace edgelm::eval
