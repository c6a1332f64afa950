// The agent-task suite: every task's scripted reference passes and its
// scripted mistake fails, and the tools behave (arithmetic, units, dates, the
// store, files) and stay inside their folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "edgelm/error.h"
#include "eval/agent/agent.h"
#include "eval/agent/task_kit.h"
#include "eval/agent/tools.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace edgelm::eval::agent;

namespace edgelm::eval::agent {
// Parameterised tests name the task instead of dumping its bytes.
void PrintTo(const Task& task, std::ostream* os) { *os << task.id; }
}  // namespace edgelm::eval::agent

namespace {

// Runs one call and parses its result (which must always be JSON).
json run(Workspace& ws, const std::string& tool, const json& args) {
  std::string text = ws.execute(ToolCall{tool, args});
  json result = json::parse(text, nullptr, false);
  EXPECT_FALSE(result.is_discarded()) << text;
  return result;
}

std::string error_of(const json& result) {
  return result.contains("error") ? result["error"].get<std::string>() : std::string();
}

json calc(const std::string& expression) {
  Workspace ws;
  return run(ws, "calculator", {{"expression", expression}});
}

double calc_value(const std::string& expression) {
  json r = calc(expression);
  EXPECT_TRUE(r.contains("result")) << expression << " -> " << r.dump();
  return r.value("result", std::nan(""));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// --- the suite ---------------------------------------------------------------------

TEST(AgentSuite, HasEnoughTasksWithUniqueIdsAndKnownTools) {
  const auto& suite = tasks();
  ASSERT_GE(suite.size(), 30u);
  std::set<std::string> ids;
  std::map<std::string, int> kinds;
  const std::set<std::string> known_kinds = {"calc", "units", "file", "search", "edit", "kv", "date", "combo"};
  for (const Task& t : suite) {
    EXPECT_TRUE(ids.insert(t.id).second) << "duplicate id " << t.id;
    EXPECT_TRUE(known_kinds.count(task_kind(t))) << t.id;
    ++kinds[task_kind(t)];
    EXPECT_FALSE(t.prompt.empty()) << t.id;
    EXPECT_TRUE(t.setup) << t.id;
    EXPECT_TRUE(t.check) << t.id;
    EXPECT_NO_THROW(tool_definitions(t.tools)) << t.id;
    EXPECT_FALSE(t.tools.empty()) << t.id;
  }
  for (const std::string& kind : known_kinds) EXPECT_GE(kinds[kind], 3) << kind;
}

class TaskTest : public ::testing::TestWithParam<Task> {};

TEST_P(TaskTest, ReferencePassesWithoutToolErrors) {
  const Task& task = GetParam();
  ASSERT_FALSE(task.reference.empty());
  EXPECT_TRUE(task.reference.back().calls.empty()) << "the reference ends with an answer";
  EXPECT_LE(static_cast<int>(task.reference.size()), task.max_turns);
  ScriptRun r = play_scripted(task, task.reference);
  EXPECT_TRUE(r.passed);
  for (const std::string& result : r.results) {
    json parsed = json::parse(result, nullptr, false);
    ASSERT_TRUE(parsed.is_object()) << result;
    EXPECT_FALSE(parsed.contains("error")) << result;
  }
}

TEST_P(TaskTest, WrongSolutionFails) {
  const Task& task = GetParam();
  ASSERT_FALSE(task.wrong.empty());
  EXPECT_FALSE(run_scripted(task, task.wrong));
}

TEST_P(TaskTest, EmptyAnswerWithoutWorkFails) {
  const Task& task = GetParam();
  EXPECT_FALSE(run_scripted(task, {Step{{}, ""}}));
}

INSTANTIATE_TEST_SUITE_P(Suite, TaskTest, ::testing::ValuesIn(tasks()),
                         [](const ::testing::TestParamInfo<Task>& info) { return info.param.id; });

// --- tool definitions -----------------------------------------------------------------

TEST(AgentTools, DefinitionsAreCompleteOpenAIFunctions) {
  std::vector<std::string> names = tool_names();
  EXPECT_GE(names.size(), 14u);
  json defs = tool_definitions(names);
  ASSERT_EQ(defs.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const json& d = defs[i];
    EXPECT_EQ(d["type"], "function");
    EXPECT_EQ(d["function"]["name"], names[i]);
    EXPECT_GT(d["function"]["description"].get<std::string>().size(), 20u) << names[i];
    const json& params = d["function"]["parameters"];
    EXPECT_EQ(params["type"], "object");
    for (const auto& [name, schema] : params["properties"].items())
      EXPECT_FALSE(schema.value("description", "").empty()) << names[i] << "." << name;
    for (const json& req : params["required"]) EXPECT_TRUE(params["properties"].contains(req)) << names[i];
  }
  EXPECT_THROW(tool_definitions({"calculator", "rm_rf"}), edgelm::Error);
}

TEST(AgentTools, ModelMistakesGiveErrorsNotExceptions) {
  Workspace ws;
  EXPECT_NE(error_of(run(ws, "shell", {{"cmd", "ls"}})).find("unknown tool 'shell'"), std::string::npos);
  EXPECT_EQ(error_of(run(ws, "calculator", json::object())), "missing required argument 'expression'");
  EXPECT_EQ(error_of(run(ws, "read_file", {{"path", json::array({1})}})), "argument 'path' must be a string");
  EXPECT_EQ(error_of(run(ws, "date_add", {{"date", "2025-01-01"}, {"days", "soon"}})),
            "argument 'days' must be a whole number");
  EXPECT_NE(error_of(run(ws, "kv_get", json::array({1, 2}))).find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of(run(ws, "kv_get", "{not json")).find("must be a JSON object"), std::string::npos);
  // Arguments left as JSON text by a parser are still understood.
  EXPECT_EQ(run(ws, "calculator", "{\"expression\": \"6*7\"}")["result"], 42);
  // A tool the task did not offer.
  std::string refused = ws.execute(ToolCall{"write_file", {{"path", "a"}, {"content", "b"}}}, {"read_file"});
  EXPECT_NE(refused.find("not available in this task"), std::string::npos);
  EXPECT_FALSE(ws.exists("a"));
}

// --- calculator -------------------------------------------------------------------------

TEST(AgentCalculator, PrecedenceAndFunctions) {
  EXPECT_EQ(calc_value("2 + 3 * 4"), 14);
  EXPECT_EQ(calc_value("(2 + 3) * 4"), 20);
  EXPECT_EQ(calc_value("10 - 4 - 3"), 3);
  EXPECT_EQ(calc_value("48 / 4 / 2"), 6);
  EXPECT_EQ(calc_value("2 ^ 3 ^ 2"), 512);  // right associative
  EXPECT_EQ(calc_value("2 ** 10"), 1024);
  EXPECT_EQ(calc_value("-2 ^ 2"), -4);      // unary minus below power
  EXPECT_EQ(calc_value("2 ^ -1"), 0.5);
  EXPECT_EQ(calc_value("--3"), 3);
  EXPECT_EQ(calc_value("2 * -3"), -6);
  EXPECT_EQ(calc_value("10 % 3"), 1);
  EXPECT_EQ(calc_value("-7 % 3"), -1);
  EXPECT_EQ(calc_value("sqrt(16) + abs(-3)"), 7);
  EXPECT_EQ(calc_value("round(2.5) + floor(-1.5) + ceil(1.2)"), 3);
  EXPECT_EQ(calc_value("round(3.14159, 2)"), 3.14);
  EXPECT_EQ(calc_value("min(3, 1, 2) + max(4, 9)"), 10);
  EXPECT_NEAR(calc_value("2 * PI"), 6.283185307179586, 1e-11);
  EXPECT_NEAR(calc_value("e"), 2.718281828459045, 1e-11);
  EXPECT_EQ(calc_value("1.5e3 + .5"), 1500.5);
  EXPECT_EQ(calc_value("0.1 + 0.2"), 0.3);  // shown tidily
  EXPECT_EQ(calc("6 * 7").dump(), "{\"result\":42}");
}

TEST(AgentCalculator, ErrorsAreExact) {
  EXPECT_EQ(error_of(calc("1 / 0")), "division by zero");
  EXPECT_EQ(error_of(calc("1 / (2 - 2)")), "division by zero");
  EXPECT_EQ(error_of(calc("5 % 0")), "modulo by zero");
  EXPECT_EQ(error_of(calc("sqrt(-1)")), "sqrt of a negative number");
  EXPECT_EQ(error_of(calc("(-8) ^ (1/3)")), "result is not a real number");
  EXPECT_EQ(error_of(calc("10 ^ 400")), "result is too large");
  EXPECT_EQ(error_of(calc("")), "syntax error: empty expression");
  EXPECT_EQ(error_of(calc("2 +")), "syntax error at position 4: unexpected end of expression");
  EXPECT_EQ(error_of(calc("2 3")), "syntax error at position 3: unexpected '3'");
  EXPECT_EQ(error_of(calc("(1 + 2")), "syntax error at position 7: unexpected end of expression");
  EXPECT_EQ(error_of(calc("1e999")), "syntax error at position 1: number out of range");
  EXPECT_NE(error_of(calc("x + 1")).find("unknown name 'x'"), std::string::npos);
  EXPECT_NE(error_of(calc("exp(1)")).find("unknown function 'exp'"), std::string::npos);
  EXPECT_EQ(error_of(calc("sqrt(1, 2)")), "sqrt() takes 1 argument, got 2");
  EXPECT_EQ(error_of(calc("round(1, 2, 3)")), "round() takes 1 or 2 arguments, got 3");
  EXPECT_EQ(error_of(calc("1,000 + 1")), "syntax error at position 2: unexpected ','");
}

TEST(AgentCalculator, RefusesCodeAndHostileInput) {
  for (const char* code : {"__import__('os').system('ls')", "system(\"ls\")", "2; rm -rf /", "`ls`",
                           "$(ls)", "a = 1", "[1, 2]", "\"text\""})
    EXPECT_EQ(error_of(calc(code)).rfind("syntax error", 0), 0u) << code;
  // Nesting: 60 levels are fine, 200 are refused before the stack suffers.
  EXPECT_EQ(calc_value(std::string(60, '(') + "1" + std::string(60, ')')), 1);
  EXPECT_EQ(error_of(calc(std::string(200, '(') + "1" + std::string(200, ')'))),
            "syntax error: expression nested too deeply (limit 64)");
  EXPECT_EQ(error_of(calc(std::string(500, '-') + "1")),
            "syntax error: expression nested too deeply (limit 64)");
  EXPECT_EQ(error_of(calc(std::string(1'000'000, '('))),
            "expression too long (1000000 characters; limit 1000)");
  std::string long_sum;
  for (int i = 0; i < 500'000; ++i) long_sum += "1+";
  EXPECT_NE(error_of(calc(long_sum + "1")).find("expression too long"), std::string::npos);
  EXPECT_EQ(error_of(calc(std::string("1\0+1", 4))).rfind("syntax error", 0), 0u);
  EXPECT_EQ(error_of(calc("1 + \xC3\xA9")).rfind("syntax error", 0), 0u);
}

// --- units --------------------------------------------------------------------------------

TEST(AgentUnits, Conversions) {
  using edgelm::eval::agent::detail::convert_units;
  EXPECT_NEAR(convert_units(42.195, "km", "mi").value, 26.218757456454306, 1e-9);
  EXPECT_NEAR(convert_units(212, "F", "C").value, 100, 1e-9);
  EXPECT_NEAR(convert_units(-40, "celsius", "fahrenheit").value, -40, 1e-9);
  EXPECT_NEAR(convert_units(0, "K", "°C").value, -273.15, 1e-9);
  EXPECT_NEAR(convert_units(3.5, "GiB", "MB").value, 3758.096384, 1e-9);
  EXPECT_NEAR(convert_units(1, "byte", "bits").value, 8, 1e-12);
  EXPECT_NEAR(convert_units(2.5, "cups", "ml").value, 591.47059125, 1e-9);
  EXPECT_NEAR(convert_units(1, "gal", "l").value, 3.785411784, 1e-12);
  EXPECT_NEAR(convert_units(1, "lb", "kg").value, 0.45359237, 1e-15);
  EXPECT_NEAR(convert_units(1.5, "Hours", "min").value, 90, 1e-12);
  EXPECT_NEAR(convert_units(2, "weeks", "days").value, 14, 1e-12);
  EXPECT_NEAR(convert_units(12, "fl oz", "ml").value, 354.88235475, 1e-9);
  EXPECT_EQ(convert_units(1, "Kilometres", "feet").to, "ft");

  Workspace ws;
  json r = run(ws, "convert_units", {{"value", "10"}, {"from", "kg"}, {"to", "lb"}});
  EXPECT_EQ(r, (json{{"conversion", "10 kg = 22.0462262185 lb"}, {"result", 22.0462262185}}));
  EXPECT_EQ(run(ws, "convert_units", {{"value", 375}, {"from", "°F"}, {"to", "degrees celsius"}})["conversion"],
            "375 F = 190.555555556 C");
  EXPECT_EQ(error_of(run(ws, "convert_units", {{"value", 5}, {"from", "kg"}, {"to", "m"}})),
            "cannot convert kg (mass) to m (length): they measure different things");
  EXPECT_EQ(error_of(run(ws, "convert_units", {{"value", -500}, {"from", "C"}, {"to", "K"}})),
            "temperature below absolute zero");
  EXPECT_EQ(error_of(run(ws, "convert_units", {{"value", 1}, {"from", "parsec"}, {"to", "m"}})).rfind(
                "unknown unit 'parsec'; known units: length: mm", 0),
            0u);
  EXPECT_EQ(error_of(run(ws, "convert_units", {{"value", "ten"}, {"from", "m"}, {"to", "ft"}})),
            "argument 'value' must be a number");
}

// --- dates -------------------------------------------------------------------------------------

TEST(AgentDates, ArithmeticAndValidation) {
  Workspace ws;
  EXPECT_EQ(run(ws, "date_today", json::object()), (json{{"date", "2025-03-14"}, {"weekday", "Friday"}}));
  EXPECT_EQ(run(ws, "date_add", {{"date", "2024-02-28"}, {"days", 1}})["date"], "2024-02-29");
  EXPECT_EQ(run(ws, "date_add", {{"date", "2023-02-28"}, {"days", 1}})["date"], "2023-03-01");
  EXPECT_EQ(run(ws, "date_add", {{"date", "2025-03-14"}, {"days", "-365"}})["date"], "2024-03-14");
  EXPECT_EQ(run(ws, "date_add", {{"date", "2025-01-20"}, {"days", 60}}),
            (json{{"date", "2025-03-21"}, {"weekday", "Friday"}}));
  EXPECT_EQ(run(ws, "date_diff", {{"start", "2024-01-01"}, {"end", "2025-01-01"}})["days"], 366);
  EXPECT_EQ(run(ws, "date_diff", {{"start", "2025-12-25"}, {"end", "2025-03-14"}})["days"], -286);
  EXPECT_EQ(run(ws, "weekday", {{"date", "2000-01-01"}})["weekday"], "Saturday");
  EXPECT_EQ(run(ws, "weekday", {{"date", "1970-01-01"}})["weekday"], "Thursday");
  EXPECT_EQ(error_of(run(ws, "weekday", {{"date", "2025-02-29"}})),
            "invalid date '2025-02-29': no such day in the calendar");
  EXPECT_EQ(error_of(run(ws, "weekday", {{"date", "2025-3-14"}})),
            "invalid date '2025-3-14': expected YYYY-MM-DD, e.g. 2025-03-14");
  EXPECT_EQ(error_of(run(ws, "weekday", {{"date", "March 14"}})).rfind("invalid date", 0), 0u);
  EXPECT_EQ(error_of(run(ws, "date_add", {{"date", "2025-01-01"}, {"days", 1.5}})),
            "argument 'days' must be a whole number");
  EXPECT_EQ(error_of(run(ws, "date_add", {{"date", "2025-01-01"}, {"days", 1e12}})),
            "argument 'days' is too large (limit 1000000)");
  EXPECT_EQ(error_of(run(ws, "date_add", {{"date", "9999-12-31"}, {"days", 1}})),
            "date out of range (years 0001-9999)");
}

// --- key-value store ------------------------------------------------------------------------------

TEST(AgentStore, SetGetListDelete) {
  Workspace ws;
  EXPECT_EQ(run(ws, "kv_list", json::object()), (json{{"count", 0}, {"items", json::object()}}));
  EXPECT_EQ(run(ws, "kv_set", {{"key", "stock:apples"}, {"value", 12}})["ok"], true);
  run(ws, "kv_set", {{"key", "stock:pears"}, {"value", {{"qty", 5}}}});
  run(ws, "kv_set", {{"key", "note"}, {"value", "hello"}});
  EXPECT_EQ(run(ws, "kv_get", {{"key", "stock:pears"}})["value"], (json{{"qty", 5}}));
  EXPECT_EQ(run(ws, "kv_list", {{"prefix", "stock:"}}),
            (json{{"count", 2}, {"items", {{"stock:apples", 12}, {"stock:pears", {{"qty", 5}}}}}}));
  EXPECT_EQ(run(ws, "kv_delete", {{"key", "note"}})["deleted"], true);
  EXPECT_EQ(run(ws, "kv_delete", {{"key", "note"}})["deleted"], false);
  EXPECT_EQ(error_of(run(ws, "kv_get", {{"key", "note"}})), "no key 'note' in the store (kv_list shows the keys)");
  EXPECT_EQ(error_of(run(ws, "kv_set", {{"key", "x"}})), "missing required argument 'value'");
  EXPECT_EQ(error_of(run(ws, "kv_set", {{"key", ""}, {"value", 1}})), "key must not be empty");
  EXPECT_EQ(error_of(run(ws, "kv_set", {{"key", std::string(300, 'k')}, {"value", 1}})),
            "key too long (limit 200 characters)");
  EXPECT_NE(error_of(run(ws, "kv_set", {{"key", "big"}, {"value", std::string(100'000, 'v')}})).find("value too large"),
            std::string::npos);
  EXPECT_EQ(ws.store(), (json{{"stock:apples", 12}, {"stock:pears", {{"qty", 5}}}}));
  // A store too large to show whole is listed by keys.
  for (int i = 0; i < 40; ++i) run(ws, "kv_set", {{"key", "blob:" + std::to_string(i)}, {"value", std::string(1000, 'x')}});
  json listed = run(ws, "kv_list", json::object());
  EXPECT_EQ(listed["count"], 42);
  EXPECT_EQ(listed["keys"].size(), 42u);
  EXPECT_FALSE(listed.contains("items"));
}

// --- files ---------------------------------------------------------------------------------------

TEST(AgentFiles, ReadWriteAppendReplaceListSearch) {
  Workspace ws;
  EXPECT_EQ(run(ws, "list_files", json::object())["note"], "the folder is empty");
  EXPECT_EQ(run(ws, "write_file", {{"path", "notes/a.txt"}, {"content", "alpha\nBeta line\n"}})["bytes"], 16);
  EXPECT_EQ(run(ws, "append_file", {{"path", "notes/a.txt"}, {"content", "gamma"}})["ok"], true);
  EXPECT_EQ(run(ws, "append_file", {{"path", "notes/a.txt"}, {"content", "delta beta"}})["ok"], true);
  EXPECT_EQ(ws.read_file("notes/a.txt"), "alpha\nBeta line\ngamma\ndelta beta");
  EXPECT_EQ(run(ws, "read_file", {{"path", "./notes//a.txt"}}),
            (json{{"path", "notes/a.txt"}, {"content", "alpha\nBeta line\ngamma\ndelta beta"}}));
  EXPECT_EQ(run(ws, "replace_in_file", {{"path", "notes/a.txt"}, {"old_text", "a"}, {"new_text", "A"}})["replacements"], 7);
  EXPECT_EQ(ws.read_file("notes/a.txt"), "AlphA\nBetA line\ngAmmA\ndeltA betA");
  EXPECT_EQ(error_of(run(ws, "replace_in_file", {{"path", "notes/a.txt"}, {"old_text", "zeta"}, {"new_text", "x"}})),
            "old_text not found in notes/a.txt (the match is exact and case-sensitive)");
  ws.write_file("b.md", "no match here\nBETA again\n");
  EXPECT_EQ(run(ws, "list_files", json::object())["entries"], (json{"b.md", "notes/", "notes/a.txt"}));
  json found = run(ws, "search_files", {{"query", "beta"}});
  EXPECT_EQ(found["count"], 3);
  EXPECT_EQ(found["matches"], (json{"b.md:2: BETA again", "notes/a.txt:2: BetA line", "notes/a.txt:4: deltA betA"}));
  EXPECT_EQ(run(ws, "search_files", {{"query", "beta"}, {"path", "b.md"}})["count"], 1);
  EXPECT_EQ(error_of(run(ws, "read_file", {{"path", "missing.txt"}})), "no such file: missing.txt");
  EXPECT_EQ(error_of(run(ws, "read_file", {{"path", "notes"}})),
            "notes is a folder, not a file (list_files shows its content)");
  EXPECT_EQ(error_of(run(ws, "write_file", {{"path", "notes"}, {"content", "x"}})), "notes is a folder, not a file");
  EXPECT_EQ(error_of(run(ws, "write_file", {{"path", "."}, {"content", "x"}})),
            "the path names the task folder itself, not a file");
  // JSON content is written out as JSON text.
  run(ws, "write_file", {{"path", "r.json"}, {"content", {{"count", 5}}}});
  EXPECT_EQ(json::parse(ws.read_file("r.json")), (json{{"count", 5}}));
}

TEST(AgentFiles, SizesAreBoundedAndLongResultsTruncated) {
  Workspace ws;
  ws.write_file("big.txt", std::string(20'000, 'x'));
  std::string content = run(ws, "read_file", {{"path", "big.txt"}})["content"];
  EXPECT_EQ(content.size(), 8000 + std::string("\n[... truncated: showing the first 8000 of 20000 bytes]").size());
  EXPECT_NE(content.find("[... truncated: showing the first 8000 of 20000 bytes]"), std::string::npos);
  EXPECT_NE(error_of(run(ws, "write_file", {{"path", "huge.txt"}, {"content", std::string((1 << 20) + 1, 'y')}}))
                .find("content too large"),
            std::string::npos);
  EXPECT_FALSE(ws.exists("huge.txt"));
  std::ofstream(ws.root() / "huge.txt") << std::string((1 << 20) + 10, 'z');
  EXPECT_NE(error_of(run(ws, "read_file", {{"path", "huge.txt"}})).find("too large to read"), std::string::npos);
  EXPECT_NE(error_of(run(ws, "append_file", {{"path", "big.txt"}, {"content", std::string(1 << 20, 'y')}}))
                .find("content too large"),
            std::string::npos);
  EXPECT_EQ(ws.read_file("big.txt").size(), 20'000u);
  // 60 matching lines: 50 shown.
  std::string lines;
  for (int i = 0; i < 60; ++i) lines += "needle " + std::to_string(i) + "\n";
  ws.write_file("many.txt", lines);
  json found = run(ws, "search_files", {{"query", "needle"}});
  EXPECT_EQ(found["count"], 60);
  EXPECT_EQ(found["matches"].size(), 50u);
  EXPECT_EQ(found["truncated"], "showing 50 of 60 matches");
  // Binary content comes back as valid JSON.
  ws.write_file("bin.dat", std::string("\xff\xfe\x00\x01 ok", 7));
  EXPECT_TRUE(run(ws, "read_file", {{"path", "bin.dat"}}).contains("content"));
}

// --- the sandbox ------------------------------------------------------------------------------------

class AgentSandbox : public ::testing::Test {
 protected:
  Workspace ws;
  Workspace outside;  // a neighbouring folder the task must not reach
  void SetUp() override {
    outside.write_file("secret.txt", "TOP SECRET\n");
    ws.write_file("inside.txt", "fine\n");
  }
  // Everything under `outside`, with contents, to prove nothing changed.
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(outside.root()))
      files[e.path().string()] = e.is_regular_file() ? slurp(e.path()) : "<dir>";
    return files;
  }
  void expect_refused(const std::string& path, const std::string& message) {
    for (const char* tool : {"read_file", "list_files", "search_files"}) {
      json args = {{"path", path}, {"query", "SECRET"}};
      EXPECT_NE(error_of(run(ws, tool, args)).find(message), std::string::npos) << tool << " " << path;
    }
    for (const char* tool : {"write_file", "append_file"})
      EXPECT_NE(error_of(run(ws, tool, {{"path", path}, {"content", "pwned"}})).find(message), std::string::npos)
          << tool << " " << path;
    EXPECT_NE(error_of(run(ws, "replace_in_file", {{"path", path}, {"old_text", "TOP"}, {"new_text", "X"}})).find(message),
              std::string::npos)
        << path;
  }
};

TEST_F(AgentSandbox, RefusesDotDotAndAbsolutePaths) {
  auto before = snapshot();
  std::string sibling = "../" + outside.root().filename().string() + "/secret.txt";
  expect_refused(sibling, "path leaves the task folder");
  expect_refused("../escape-attempt.txt", "path leaves the task folder");
  expect_refused("notes/../../escape-attempt.txt", "path leaves the task folder");
  expect_refused("..", "path leaves the task folder");
  expect_refused((outside.root() / "secret.txt").string(), "absolute paths are not allowed");
  expect_refused("/etc/passwd", "absolute paths are not allowed");
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(fs::exists(ws.root().parent_path() / "escape-attempt.txt"));
  // ".." that stays inside is fine.
  EXPECT_EQ(run(ws, "read_file", {{"path", "notes/../inside.txt"}})["content"], "fine\n");
}

TEST_F(AgentSandbox, RefusesSymlinksLeadingOutside) {
  fs::create_directory_symlink(outside.root(), ws.root() / "link_dir");
  fs::create_symlink(outside.root() / "secret.txt", ws.root() / "link_file");
  fs::create_symlink(outside.root() / "created-through-dangling-link.txt", ws.root() / "dangling");
  fs::create_symlink("inside.txt", ws.root() / "inner_link");  // stays inside: allowed
  auto before = snapshot();
  expect_refused("link_dir/secret.txt", "through a symlink");
  expect_refused("link_dir/new.txt", "through a symlink");
  expect_refused("link_dir", "through a symlink");
  expect_refused("link_file", "through a symlink");
  expect_refused("dangling", "broken or looping symlink");
  EXPECT_EQ(snapshot(), before);
  EXPECT_FALSE(fs::exists(outside.root() / "created-through-dangling-link.txt"));
  // The whole-folder tools skip the links rather than follow them out.
  json found = run(ws, "search_files", {{"query", "SECRET"}});
  EXPECT_EQ(found["count"], 0) << found.dump();
  json listed = run(ws, "list_files", json::object());
  for (const json& entry : listed["entries"]) EXPECT_EQ(entry.get<std::string>().find("secret"), std::string::npos);
  EXPECT_EQ(run(ws, "read_file", {{"path", "inner_link"}})["content"], "fine\n");
}

TEST_F(AgentSandbox, RefusesOddNames) {
  expect_refused(std::string(300, 'n'), "name in the path is too long");
  expect_refused(std::string(5000, 'a'), "path too long");
  expect_refused(std::string("inside.txt\0../../x", 18), "NUL byte");
  expect_refused("", "path is empty");
  EXPECT_EQ(error_of(run(ws, "write_file", {{"path", 42}, {"content", "x"}})), "");  // numbers are names too
  EXPECT_TRUE(ws.exists("42"));
  EXPECT_THROW(ws.write_file("../setup-escape.txt", "x"), edgelm::Error);
  EXPECT_FALSE(fs::exists(ws.root().parent_path() / "setup-escape.txt"));
  EXPECT_FALSE(ws.exists("../inside.txt"));
  EXPECT_EQ(ws.read_file("/etc/passwd"), "");
}

TEST(AgentWorkspace, FreshFolderRemovedOnDestruction) {
  fs::path root, target;
  Workspace keeper;  // holds a file a link inside the doomed folder points at
  keeper.write_file("keep.txt", "keep");
  {
    Workspace a, b;
    root = a.root();
    EXPECT_NE(a.root(), b.root());
    EXPECT_TRUE(fs::is_directory(root));
    EXPECT_TRUE(fs::is_empty(root));
    EXPECT_EQ(root.parent_path(), fs::canonical(fs::temp_directory_path()));
    a.write_file("deep/er/file.txt", "x");
    fs::create_symlink(keeper.root() / "keep.txt", root / "link");
  }
  EXPECT_FALSE(fs::exists(root));
  EXPECT_EQ(keeper.read_file("keep.txt"), "keep");  // links were removed, not followed
}

// --- answer matching ---------------------------------------------------------------------------------

TEST(AgentMatching, NumbersDatesAndPicks) {
  using namespace edgelm::eval::agent::detail;
  EXPECT_EQ(numbers_in("$1,234.50 and -3, INV-4 on 2025-03-14."),
            (std::vector<double>{1234.5, -3, 4, 2025, 3, 14}));
  EXPECT_EQ(numbers_in("1,2,3 and 12,3456"), (std::vector<double>{1, 2, 3, 12, 3456}));
  EXPECT_TRUE(has_number("The total is $73.71.", 73.71, 0.006));
  EXPECT_FALSE(has_number("The total is $73.7.", 73.71, 0.006));
  EXPECT_TRUE(has_date("Due 2025-03-21.", 2025, 3, 21));
  EXPECT_TRUE(has_date("due on March 21st, 2025", 2025, 3, 21));
  EXPECT_TRUE(has_date("due 21 Mar 2025", 2025, 3, 21));
  EXPECT_FALSE(has_date("due March 21, 2024", 2025, 3, 21));
  EXPECT_FALSE(has_date("due 2025-03-22", 2025, 3, 21));
  EXPECT_TRUE(mentions("see src/util/parsing.py", "util/parsing.py"));
  EXPECT_FALSE(mentions("see tests/test_parsing.py", "parsing.py"));
  EXPECT_FALSE(mentions("Annual report", "ann"));
  EXPECT_TRUE(picks("Hinges are lowest, below brackets.", "hinges", {"bolts", "brackets", "screws"}));
  EXPECT_FALSE(picks("bolts 140, hinges 12, brackets 18, screws 300", "hinges", {"bolts", "brackets", "screws"}));
  EXPECT_TRUE(near(json("25"), 25));
  EXPECT_FALSE(near(json("25 pears"), 25));
}

}  // namespace
