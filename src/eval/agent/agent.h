// Agent tasks: multi-turn jobs an agent does with real tools (calculator, unit
// conversion, files, a key-value store, dates), each run in a fresh temporary
// folder it cannot leave, each with a programmatic success check. No model
// here: the runner (src/eval/agent_eval.cpp) drives a model; the tests drive
// scripted solutions.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgelm::eval::agent {

// "Today" for the date tools: fixed, so that checks involving today are
// deterministic. (A Friday.)
inline constexpr std::string_view kToday = "2025-03-14";

struct ToolCall {
  std::string name;
  nlohmann::json arguments;  // an object
};

// A task's world: a fresh temporary folder (removed on destruction) and a JSON
// key-value store. Tools read and write only inside it.
class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& root() const;

  // Runs one tool call; the result is the text the model sees as the tool's
  // message (JSON). Bad arguments, unknown tools and paths that leave the
  // folder give {"error": "..."}; nothing throws for model mistakes.
  std::string execute(const ToolCall& call);
  // The same, refusing (with an error result) tools the task did not offer.
  std::string execute(const ToolCall& call, const std::vector<std::string>& offered);

  // Test and setup access.
  void write_file(const std::string& relative, const std::string& content);
  std::string read_file(const std::string& relative) const;  // empty if missing
  bool exists(const std::string& relative) const;
  nlohmann::json& store();
  const nlohmann::json& store() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// OpenAI-style tool definitions ({"type":"function","function":{name,description,parameters}})
// of the named tools, in the given order.
nlohmann::json tool_definitions(const std::vector<std::string>& names);
// Every tool's name.
std::vector<std::string> tool_names();

// One step of a scripted solution: tool calls, or (when calls is empty) the final answer.
struct Step {
  std::vector<ToolCall> calls;
  std::string answer;
};

struct Task {
  std::string id;
  std::string prompt;               // the user's message
  std::vector<std::string> tools;   // the tools offered
  int max_turns = 8;                // model replies allowed
  std::function<void(Workspace&)> setup;
  // Success: looks at the workspace after the run and the model's final answer.
  std::function<bool(const Workspace&, const std::string& answer)> check;
  std::vector<Step> reference;      // a scripted solution that passes
  std::vector<Step> wrong;          // a scripted plausible mistake that fails
};

// The suite (at least 30 tasks), in a fixed order.
const std::vector<Task>& tasks();

// Plays scripted steps against a fresh workspace of the task and returns check().
bool run_scripted(const Task& task, const std::vector<Step>& steps);

// The same with the tool results, in call order, for tests and debugging.
struct ScriptRun {
  bool passed = false;
  std::vector<std::string> results;
};
ScriptRun play_scripted(const Task& task, const std::vector<Step>& steps);

// The task's kind: its id up to the first '_' ("calc", "units", "file",
// "search", "edit", "kv", "date", "combo").
std::string task_kind(const Task& task);

}  // namespace edgelm::eval::agent
