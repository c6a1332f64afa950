// The suite runners (src/eval/*_suite.cpp) with scripted backends instead of
// a model: an oracle that answers from the ground truth must score 100 %, a
// backend that never calls a tool must pass exactly the irrelevance items,
// the official GPT-4 responses replayed through run_ifeval must give the
// official totals, and results must survive an interruption.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "eval/agent/agent.h"
#include "eval/bfcl/bfcl.h"
#include "eval/suites.h"

namespace edgelm::eval {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("edgelm-test-suites-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

// Replies with a fixed function of the last user message.
class ScriptedBackend : public ChatBackend {
 public:
  using Script = std::function<Reply(const JsonDoc& messages, const JsonDoc& tools)>;
  explicit ScriptedBackend(Script s) : script_(std::move(s)) {}
  std::string label() const override { return "scripted"; }
  Reply chat(const JsonDoc& messages, const JsonDoc& tools, uint64_t) override {
    ++calls;
    return script_(messages, tools);
  }
  int calls = 0;

 private:
  Script script_;
};

std::string last_user(const JsonDoc& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if ((*it)["role"] == "user") return (*it)["content"].get<std::string>();
  return "";
}

TEST(Proportion, WilsonInterval) {
  const Proportion p{8, 10};
  EXPECT_DOUBLE_EQ(p.value(), 0.8);
  // Wilson 95 % for 8/10: 0.4902 .. 0.9433 (any statistics table).
  EXPECT_NEAR(p.low(), 0.4902, 5e-4);
  EXPECT_NEAR(p.high(), 0.9433, 5e-4);
  const Proportion none{0, 20};
  EXPECT_EQ(none.low(), 0.0);
  EXPECT_NEAR(none.high(), 0.1611, 5e-4);
  const Proportion empty{};
  EXPECT_EQ(empty.low(), 0.0);
  EXPECT_EQ(empty.high(), 1.0);
}

TEST(ResultLog, KeepsFinishedItemsAndDropsATornLine) {
  const std::filesystem::path dir = fresh_dir("log");
  {
    ResultLog log(dir / "r.jsonl");
    log.add("a", {{"v", 1}});
    log.add("b", {{"v", 2}});
  }
  std::ofstream(dir / "r.jsonl", std::ios::app) << "{\"key\": \"c\", \"v\": 3";   // cut short
  ResultLog log(dir / "r.jsonl");
  EXPECT_EQ(log.size(), 2u);
  EXPECT_TRUE(log.has("a"));
  EXPECT_FALSE(log.has("c"));
  EXPECT_EQ(log.get("b")["v"], 2);
  log.add("c", {{"v", 3}});
  EXPECT_EQ(ResultLog(dir / "r.jsonl").size(), 3u);
  std::filesystem::remove_all(dir);
}

// The first acceptable value of a list of them; inside a dict every key's
// value is again such a list.
JsonDoc first_choice(const nlohmann::json& values) {
  const nlohmann::json& v = values.at(0);
  if (!v.is_object()) return v;
  JsonDoc out = JsonDoc::object();
  for (const auto& [key, choices] : v.items())
    if (choices.is_array() && !choices.empty() && choices[0] != "") out[key] = first_choice(choices);
  return out;
}

// The first acceptable value of each parameter (optional ones, whose list
// holds "", left out): a call the checker must accept.
JsonDoc oracle_calls(const nlohmann::json& truth) {
  JsonDoc calls = JsonDoc::array();
  for (const auto& call : truth) {
    for (const auto& [name, params] : call.items()) {
      JsonDoc args = JsonDoc::object();
      for (const auto& [param, values] : params.items())
        if (!values.empty() && values[0] != "") args[param] = first_choice(values);
      std::string tool = name;
      for (char& c : tool)
        if (c == '.') c = '_';
      calls.push_back({{"name", tool}, {"arguments", args}});
    }
  }
  return calls;
}

TEST(BfclSuite, AnOracleScoresEverythingAndSilenceOnlyIrrelevance) {
  const std::filesystem::path data = data_dir() / "evals" / "bfcl";
  std::map<std::string, nlohmann::json> truth_by_question;
  for (const char* category : {"simple_python", "multiple", "parallel", "parallel_multiple"}) {
    const auto questions = bfcl::load_questions(data, category);
    const auto answers = bfcl::load_answers(data, category);
    for (size_t i = 0; i < 25 && i < questions.size(); ++i)
      truth_by_question[questions[i].turns[0].back()["content"].get<std::string>()] = answers.at(questions[i].id);
  }
  ScriptedBackend oracle([&](const JsonDoc& messages, const JsonDoc& tools) {
    EXPECT_TRUE(tools.is_array() && !tools.empty());
    for (const JsonDoc& t : tools)   // offered under names a template accepts
      EXPECT_EQ(t["function"]["name"].get<std::string>().find('.'), std::string::npos);
    Reply r;
    auto it = truth_by_question.find(last_user(messages));
    if (it == truth_by_question.end()) return r;   // irrelevance: no call
    for (const JsonDoc& c : oracle_calls(it->second)) r.tool_calls.push_back({c["name"], c["arguments"]});
    return r;
  });
  SuiteOptions o;
  o.limit = 25;
  o.out_dir = fresh_dir("bfcl-oracle");
  const BfclSummary s = run_bfcl(oracle, {}, o);
  EXPECT_EQ(s.overall.n, 125u);
  for (const auto& [category, p] : s.by_category) EXPECT_EQ(p.successes, p.n) << category;

  ScriptedBackend silent([](const JsonDoc&, const JsonDoc&) {
    Reply r;
    r.content = "I cannot help with that.";
    return r;
  });
  o.out_dir = fresh_dir("bfcl-silent");
  const BfclSummary q = run_bfcl(silent, {"simple", "irrelevance"}, o);
  EXPECT_EQ(q.by_category.at("simple_python").successes, 0u);
  EXPECT_EQ(q.by_category.at("irrelevance").successes, 25u);

  // A second run over the same folder asks the backend nothing.
  const int before = silent.calls;
  const BfclSummary again = run_bfcl(silent, {"simple", "irrelevance"}, o);
  EXPECT_EQ(silent.calls, before);
  EXPECT_EQ(again.overall.successes, q.overall.successes);
  std::filesystem::remove_all(o.out_dir);
  if (!HasFailure()) std::filesystem::remove_all(fresh_dir("bfcl-oracle"));
}

TEST(IfevalSuite, ReplayingTheOfficialResponsesGivesTheOfficialScores) {
  // run_ifeval uses the current prompt wording; the GPT-4 responses were made
  // for the older one, which differs in one prompt. Replaying them by prompt
  // text through the runner must reproduce the official per-item results
  // everywhere else.
  const std::filesystem::path dir = data_dir() / "evals" / "ifeval";
  std::map<std::string, std::string> responses;
  for (auto& pr : ifeval::load_responses(dir / "input_response_data_gpt4_20231107_145030.jsonl"))
    responses[pr.prompt] = pr.response;
  size_t unknown = 0;
  ScriptedBackend replay([&](const JsonDoc& messages, const JsonDoc& tools) {
    EXPECT_TRUE(tools.is_null());
    Reply r;
    auto it = responses.find(last_user(messages));
    if (it == responses.end()) ++unknown;
    else r.content = it->second;
    return r;
  });
  SuiteOptions o;
  o.out_dir = fresh_dir("ifeval");
  const IfevalSummary s = run_ifeval(replay, o);
  EXPECT_EQ(unknown, 1u);   // the one reworded prompt
  EXPECT_EQ(s.accuracy.prompts, 541u);
  const std::filesystem::path official_dir = fresh_dir("ifeval-official");
  const IfevalSummary official = score_ifeval(dir / "input_data_gpt4_20231107_145030.jsonl",
                                              dir / "input_response_data_gpt4_20231107_145030.jsonl", official_dir);
  EXPECT_NEAR(100 * official.accuracy.prompt_strict, 76.89, 0.005);
  EXPECT_NEAR(100 * official.accuracy.instruction_loose, 85.37, 0.005);
  // All but the reworded prompt agree item by item.
  std::ifstream a(o.out_dir / "eval_results_strict.jsonl"), b(official_dir / "eval_results_strict.jsonl");
  std::string la, lb;
  int lines = 0, differing = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    ++lines;
    differing += nlohmann::json::parse(la)["follow_instruction_list"] !=
                 nlohmann::json::parse(lb)["follow_instruction_list"];
  }
  EXPECT_EQ(lines, 541);
  EXPECT_LE(differing, 1);
  std::filesystem::remove_all(o.out_dir);
  std::filesystem::remove_all(official_dir);
}

TEST(AgentSuite, ToolCallsRunInTheTasksFolderUntilTheAnswer) {
  // Plays each task's scripted reference through the runner, one step per reply.
  const std::vector<agent::Task>& tasks = agent::tasks();
  std::map<std::string, const agent::Task*> by_prompt;
  for (const agent::Task& t : tasks) by_prompt[t.prompt] = &t;
  std::map<std::string, size_t> step;
  ScriptedBackend scripted([&](const JsonDoc& messages, const JsonDoc& tools) {
    EXPECT_FALSE(tools.empty());
    const agent::Task& task = *by_prompt.at(last_user(messages));
    const agent::Step& s = task.reference.at(step[task.id]++);
    Reply r;
    r.content = s.answer;
    for (const agent::ToolCall& c : s.calls) r.tool_calls.push_back({c.name, JsonDoc(c.arguments)});
    return r;
  });
  SuiteOptions o;
  o.out_dir = fresh_dir("agent");
  const AgentSummary s = run_agent(scripted, 1, o);
  EXPECT_EQ(s.pass.n, tasks.size());
  EXPECT_EQ(s.pass.successes, tasks.size());
  EXPECT_EQ(s.pass_all_seeds.successes, tasks.size());
  EXPECT_GT(s.mean_turns, 1.0);
  std::filesystem::remove_all(o.out_dir);
}

}  // namespace
}  // namespace edgelm::eval
