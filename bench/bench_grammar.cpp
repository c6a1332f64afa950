// Grammar engine timings on real vocabularies (Gemma 3: 262k tokens, Qwen3:
// 151k): vocabulary index build, grammar compile time for a 10-tool set, and
// per-token mask time while generating under a typical schema, cold (fresh
// engine per sequence: every cache miss is paid) and warm (one engine shared
// by all sequences, as a server caching compiled grammars would).
//
//   bench_grammar [sequences=40]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "sample/grammar/json_schema.h"
#include "sample/grammar/matcher.h"
#include "sample/grammar/tool_calls.h"
#include "tokenizer/tokenizer.h"

using namespace edgelm;
using namespace edgelm::grammar;
using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

double micros_since(Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); }

// CPU time of this thread: unlike wall time it leaves out the time slices
// other processes take on a busy machine.
double thread_cpu_micros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

const char* const kTypicalSchema = R"({"type":"object","properties":{
  "name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},
  "email":{"type":"string","format":"email"},"tags":{"type":"array","items":{"type":"string"},"maxItems":5},
  "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},
    "country":{"type":"string","enum":["US","DE","FR","JP"]}},"required":["street","city"]},
  "score":{"type":"number"},"active":{"type":"boolean"}},"required":["name","age","address"]})";

json ten_tools() {
  return json::parse(R"([
  {"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}},
  {"type":"function","function":{"name":"search_web","parameters":{"type":"object","properties":{"query":{"type":"string"},"max_results":{"type":"integer","minimum":1,"maximum":20},"site":{"type":"string"}},"required":["query"]}}},
  {"type":"function","function":{"name":"send_email","parameters":{"type":"object","properties":{"to":{"type":"array","items":{"type":"string","format":"email"},"minItems":1},"subject":{"type":"string","maxLength":120},"body":{"type":"string"},"cc":{"type":"array","items":{"type":"string"}}},"required":["to","subject","body"]}}},
  {"type":"function","function":{"name":"create_event","parameters":{"type":"object","properties":{"title":{"type":"string"},"start":{"type":"string","format":"date-time"},"end":{"type":"string","format":"date-time"},"attendees":{"type":"array","items":{"type":"string"}},"location":{"type":"string"}},"required":["title","start"]}}},
  {"type":"function","function":{"name":"run_sql","parameters":{"type":"object","properties":{"query":{"type":"string"},"database":{"type":"string","enum":["prod","staging","analytics"]},"timeout_s":{"type":"number","minimum":0,"maximum":300}},"required":["query","database"]}}},
  {"type":"function","function":{"name":"read_file","parameters":{"type":"object","properties":{"path":{"type":"string","pattern":"^(/[A-Za-z0-9._-]+)+$"},"offset":{"type":"integer","minimum":0},"length":{"type":"integer","minimum":1,"maximum":1048576}},"required":["path"]}}},
  {"type":"function","function":{"name":"write_file","parameters":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"},"append":{"type":"boolean"}},"required":["path","content"]}}},
  {"type":"function","function":{"name":"translate","parameters":{"type":"object","properties":{"text":{"type":"string"},"source":{"type":"string","minLength":2,"maxLength":5},"target":{"type":"string","minLength":2,"maxLength":5}},"required":["text","target"]}}},
  {"type":"function","function":{"name":"create_ticket","parameters":{"type":"object","properties":{"title":{"type":"string"},"priority":{"type":"string","enum":["low","medium","high","urgent"]},"labels":{"type":"array","items":{"type":"string"},"maxItems":10},"assignee":{"anyOf":[{"type":"string"},{"type":"null"}]},"estimate":{"$ref":"#/$defs/duration"}},"required":["title","priority"],"$defs":{"duration":{"type":"object","properties":{"hours":{"type":"integer","minimum":0},"minutes":{"type":"integer","minimum":0,"maximum":59}},"required":["hours"]}}}}},
  {"type":"function","function":{"name":"get_stock_price","parameters":{"type":"object","properties":{"ticker":{"type":"string","pattern":"^[A-Z]{1,5}$"},"exchange":{"type":"string"},"date":{"type":"string","format":"date"}},"required":["ticker"]}}}])");
}

void bench_compile(const std::shared_ptr<const Vocabulary>& vocab) {
  const json tools = ten_tools();
  std::vector<double> per_schema, engine_us;
  std::vector<double> whole[2];
  for (int rep = 0; rep < 30; ++rep) {
    for (const json& t : tools) {
      const auto start = Clock::now();
      const Grammar g = json_schema_to_grammar(t["function"]["parameters"]);
      per_schema.push_back(micros_since(start));
    }
    const ToolCallFormat formats[2] = {ToolCallFormat::kQwen3, ToolCallFormat::kGemma4};
    for (int f = 0; f < 2; ++f) {
      ToolCallGrammarOptions options;
      options.format = formats[f];
      const auto start = Clock::now();
      auto g = std::make_shared<Grammar>(tool_call_grammar(tools, options));
      whole[f].push_back(micros_since(start));
      if (f == 0) {
        const auto engine_start = Clock::now();
        GrammarMatcher m(std::make_shared<GrammarEngine>(g, vocab));
        engine_us.push_back(micros_since(engine_start));
      }
    }
  }
  std::printf("compile: one tool schema median %.0f us, p99 %.0f us; 10-tool call grammar median %.0f us (qwen3), "
              "%.0f us (gemma4); engine + matcher setup %.0f us\n",
              percentile(per_schema, 0.5), percentile(per_schema, 0.99), percentile(whole[0], 0.5),
              percentile(whole[1], 0.5), percentile(engine_us, 0.5));
}

// Random tokens for a while, then the cheapest way to finish (as the tests).
struct Run {
  std::vector<double> mask_us, mask_cpu_us;
  size_t tokens = 0;
  int unfinished = 0;
};

void generate(GrammarMatcher& m, const Vocabulary& vocab, std::mt19937_64& rng, Run& run) {
  std::vector<uint32_t> mask;
  const int free_steps = 20 + static_cast<int>(rng() % 40);
  for (int step = 0; step < 400; ++step) {
    const auto start = Clock::now();
    const double cpu_start = thread_cpu_micros();
    m.fill_mask(mask);
    run.mask_cpu_us.push_back(thread_cpu_micros() - cpu_start);
    run.mask_us.push_back(micros_since(start));
    std::vector<int32_t> allowed;
    for (int32_t w = 0; w < static_cast<int32_t>(mask.size()); ++w)
      for (uint32_t bits = mask[w]; bits; bits &= bits - 1) allowed.push_back(w * 32 + __builtin_ctz(bits));
    if (allowed.empty()) break;
    int32_t choice = allowed[rng() % allowed.size()];
    if (step >= free_steps) {
      int32_t best = INT32_MAX;
      for (int k = 0; k < 400; ++k) {
        const int32_t id = allowed[k < static_cast<int>(allowed.size()) && allowed.size() < 400 ? k : rng() % allowed.size()];
        if (vocab.piece(id).size() > 2 && k % 8) continue;
        GrammarMatcher trial = m;
        if (!trial.accept(id)) continue;
        const int32_t left = trial.is_terminated() ? -1 : trial.min_bytes_to_complete();
        if (left < best) best = left, choice = id;
      }
    }
    m.accept(choice);
    ++run.tokens;
    if (m.is_terminated()) return;
  }
  ++run.unfinished;
}

std::shared_ptr<const Vocabulary> load_vocabulary(const std::string& name) {
  const std::string path = std::string(EDGELM_SHARED_DIR) + "/tokenizers/" + name + "/tokenizer.json";
  auto start = Clock::now();
  auto tok = Tokenizer::from_hf_json(path);
  const double load_ms = micros_since(start) / 1000;
  start = Clock::now();
  auto vocab = Vocabulary::from_tokenizer(*tok);
  std::printf("%s: %d tokens, tokenizer load %.0f ms, trie build %.0f ms (%d nodes)\n", name.c_str(), vocab->n_vocab(),
              load_ms, micros_since(start) / 1000, vocab->n_nodes());
  return vocab;
}

void bench_masks(const std::shared_ptr<const Vocabulary>& vocab, int sequences) {
  Clock::time_point start;
  auto grammar = std::make_shared<Grammar>(json_schema_to_grammar(std::string_view(kTypicalSchema)));
  Run cold, warm;
  auto shared_engine = std::make_shared<GrammarEngine>(grammar, vocab);
  for (int s = 0; s < sequences; ++s) {
    std::mt19937_64 rng(s);
    auto engine = std::make_shared<GrammarEngine>(grammar, vocab);
    GrammarMatcher fresh(engine);
    generate(fresh, *vocab, rng, cold);
    std::mt19937_64 rng2(s);
    GrammarMatcher reused(shared_engine);
    generate(reused, *vocab, rng2, warm);
  }
  for (const auto& [label, run] : {std::pair<const char*, Run&>{"cold", cold}, {"warm", warm}}) {
    std::printf("  %s: %zu tokens in %d sequences (%d unfinished)\n", label, run.tokens, sequences, run.unfinished);
    std::printf("    mask wall: median %.1f us, p90 %.1f us, p99 %.1f us, max %.0f us\n", percentile(run.mask_us, 0.5),
                percentile(run.mask_us, 0.9), percentile(run.mask_us, 0.99), percentile(run.mask_us, 1.0));
    std::printf("    mask cpu:  median %.1f us, p90 %.1f us, p99 %.1f us, max %.0f us\n", percentile(run.mask_cpu_us, 0.5),
                percentile(run.mask_cpu_us, 0.9), percentile(run.mask_cpu_us, 0.99), percentile(run.mask_cpu_us, 1.0));
  }
  // Applying the mask to a full logits row, for scale.
  std::vector<float> logits(vocab->n_vocab(), 0.0f);
  GrammarMatcher m(shared_engine);
  m.accept_text("{\"name\":\"");
  std::vector<double> apply_us;
  for (int i = 0; i < 200; ++i) {
    start = Clock::now();
    m.apply(logits.data(), static_cast<int32_t>(logits.size()));
    apply_us.push_back(micros_since(start));
  }
  std::printf("  apply() to %d logits inside a string: median %.1f us\n", vocab->n_vocab(), percentile(apply_us, 0.5));
}

}  // namespace

int main(int argc, char** argv) {
  const int sequences = argc > 1 ? std::max(1, std::atoi(argv[1])) : 40;
  for (const char* name : {"qwen3", "gemma3"}) {
    auto vocab = load_vocabulary(name);
    bench_masks(vocab, sequences);
    if (std::string(name) == "gemma3") bench_compile(vocab);
  }
  return 0;
}
