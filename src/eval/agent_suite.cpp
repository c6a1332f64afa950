// The agent tasks against a model: the model gets the task and its tools,
// its tool calls run for real in the task's own temporary folder, their
// results go back as tool messages, until it answers without a call or runs
// out of turns; then the task's check decides.
#include <chrono>

#include "edgelm/error.h"
#include "eval/agent/agent.h"
#include "eval/suites.h"

namespace edgelm::eval {
namespace {

constexpr const char* kSystemPrompt =
    "You are an agent that completes tasks by calling the tools you are given. Work step by step: call a tool, "
    "read its result, and continue. Paths are relative to your working folder. When the task is done, reply "
    "with a short final answer that states the result, without calling a tool.";

struct Outcome {
  bool passed = false;
  int turns = 0;
  int tokens = 0;
  double seconds = 0;
  std::string error;
};

Outcome run_task(ChatBackend& backend, const agent::Task& task, uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  Outcome o;
  agent::Workspace ws;
  if (task.setup) task.setup(ws);
  JsonDoc messages = JsonDoc::array({{{"role", "system"}, {"content", kSystemPrompt}},
                                     {{"role", "user"}, {"content", task.prompt}}});
  const JsonDoc tools = agent::tool_definitions(task.tools);
  std::string answer;
  int call_id = 0;
  for (int turn = 0; turn < task.max_turns; ++turn) {
    const Reply reply = backend.chat(messages, tools, seed);
    ++o.turns;
    o.tokens += reply.completion_tokens;
    if (!reply.error.empty()) {
      o.error = reply.error;
      break;
    }
    if (reply.tool_calls.empty()) {
      answer = reply.content;
      break;
    }
    JsonDoc assistant = {{"role", "assistant"}, {"content", reply.content}, {"tool_calls", JsonDoc::array()}};
    std::vector<std::pair<std::string, std::string>> results;   // call id, result
    for (const ToolCallOut& call : reply.tool_calls) {
      const std::string id = "call_" + std::to_string(++call_id);
      assistant["tool_calls"].push_back(
          {{"id", id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
      results.emplace_back(id, ws.execute({call.name, nlohmann::json(call.arguments)}, task.tools));
    }
    messages.push_back(assistant);
    for (size_t i = 0; i < results.size(); ++i)
      messages.push_back({{"role", "tool"},
                          {"tool_call_id", results[i].first},
                          {"name", reply.tool_calls[i].name},
                          {"content", results[i].second}});
  }
  o.passed = o.error.empty() && task.check && task.check(ws, answer);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

}  // namespace

JsonDoc AgentSummary::to_json() const {
  return {{"score", pass.to_json()},
          {"pass_all_seeds", pass_all_seeds.to_json()},
          {"seeds", seeds},
          {"mean_turns", mean_turns},
          {"mean_tokens", mean_tokens},
          {"mean_seconds", mean_seconds},
          {"errors", errors},
          {"tasks", tasks}};
}

AgentSummary run_agent(ChatBackend& backend, int seeds, const SuiteOptions& options) {
  if (seeds < 1) throw Error("--seeds must be at least 1");
  std::vector<const agent::Task*> tasks;
  for (const agent::Task& t : agent::tasks()) tasks.push_back(&t);
  if (options.limit && options.limit < tasks.size()) tasks.resize(options.limit);
  ResultLog log(options.out_dir / "agent_results.jsonl");
  AgentSummary s;
  s.seeds = seeds;
  s.tasks = JsonDoc::array();
  const size_t total = tasks.size() * static_cast<size_t>(seeds);
  size_t done = 0;
  double turns = 0, tokens = 0, seconds = 0;
  for (const agent::Task* task : tasks) {
    JsonDoc row = {{"id", task->id}, {"passes", 0}, {"turns", 0.0}, {"tokens", 0.0}, {"seconds", 0.0}};
    int passes = 0;
    for (int k = 0; k < seeds; ++k, ++done) {
      const uint64_t seed = options.seed + static_cast<uint64_t>(k);
      const std::string key = task->id + "#" + std::to_string(seed);
      if (options.progress) options.progress(done, total, "agent " + key);
      if (!log.has(key)) {
        const Outcome o = run_task(backend, *task, seed);
        log.add(key, {{"task", task->id},
                      {"seed", seed},
                      {"passed", o.passed},
                      {"turns", o.turns},
                      {"tokens", o.tokens},
                      {"seconds", o.seconds},
                      {"error", o.error}});
      }
      const JsonDoc& r = log.get(key);
      const bool passed = r.value("passed", false);
      passes += passed;
      ++s.pass.n;
      s.pass.successes += passed;
      s.errors += !r.value("error", "").empty();
      row["turns"] = row["turns"].get<double>() + r.value("turns", 0) / double(seeds);
      row["tokens"] = row["tokens"].get<double>() + r.value("tokens", 0) / double(seeds);
      row["seconds"] = row["seconds"].get<double>() + r.value("seconds", 0.0) / double(seeds);
      turns += r.value("turns", 0);
      tokens += r.value("tokens", 0);
      seconds += r.value("seconds", 0.0);
    }
    row["passes"] = passes;
    ++s.pass_all_seeds.n;
    s.pass_all_seeds.successes += passes == seeds;
    s.tasks.push_back(row);
  }
  if (options.progress) options.progress(total, total, "agent");
  if (total) {
    s.mean_turns = turns / double(total);
    s.mean_tokens = tokens / double(total);
    s.mean_seconds = seconds / double(total);
  }
  return s;
}

}  // namespace edgelm::eval
