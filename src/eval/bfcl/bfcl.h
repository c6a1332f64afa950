// BFCL single-turn function calling: questions with their functions, the
// ground truth, and the official AST checker's rules (types, optional
// parameters, lists of acceptable values, order-insensitive parallel calls).
// No model here: calls come from edgelm's tool-call parsers, another server,
// or the python-prompting text that `eval bfcl --check` reads.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgelm::eval::bfcl {

// simple_python, simple_java, simple_javascript, multiple, parallel,
// parallel_multiple, irrelevance, live_simple, live_multiple, live_parallel,
// live_parallel_multiple, live_irrelevance, live_relevance.
std::vector<std::string> categories();

struct Question {
  std::string id;
  std::string category;
  nlohmann::json turns;      // "question": a list of turns, each a list of {role, content}
  nlohmann::json functions;  // "function": the function docs (name, description, parameters)
  // The same docs with the file's key order, which prompts and tool
  // definitions keep (load_questions fills it; when empty, `functions` is used).
  nlohmann::ordered_json functions_in_order;
};

// Reads data_dir/BFCL_v4_<category>.json; throws edgelm::Error on bad input.
std::vector<Question> load_questions(const std::filesystem::path& data_dir, const std::string& category);
// id -> ground truth (the "ground_truth" list of possible_answer/BFCL_v4_<category>.json);
// empty for categories without one (irrelevance, live_irrelevance, live_relevance).
std::map<std::string, nlohmann::json> load_answers(const std::filesystem::path& data_dir,
                                                   const std::string& category);

// One call: a function name and its arguments (a JSON object). Python tuples
// become arrays here; the official decoder keeps them as tuples, and so does
// check_text, where a tuple given for an "array" parameter is a type error.
struct Call {
  std::string name;
  nlohmann::json arguments;
};

// Parses python-prompting output such as `[math.hypot(x=4, y=5)]` (literals:
// numbers, strings, True/False/None, lists, tuples, dicts). Throws
// edgelm::Error when the text is not a list of calls.
std::vector<Call> parse_python_calls(std::string_view text);

struct Verdict {
  bool valid = false;
  std::string error_type;  // the official names, e.g. "simple_function_checker:wrong_func_name"; empty when valid
  std::string error;       // a human-readable explanation
};

// The AST check of `calls` against the question's functions and ground truth.
// Irrelevance categories are valid iff there is no call; live_relevance iff there is one.
Verdict check(const Question& question, const nlohmann::json& ground_truth, const std::vector<Call>& calls);

// Where upstream's per-model settings change the check.
struct CheckOptions {
  // For models whose tool names cannot hold '.' (upstream's underscore_to_dot,
  // set for OpenAI-style function calling): "math.hypot" is expected as
  // "math_hypot". Python-prompting output keeps the dots.
  bool dots_to_underscores = false;
};
Verdict check(const Question& question, const nlohmann::json& ground_truth, const std::vector<Call>& calls,
              const CheckOptions& options);

// Decodes a model's text the way upstream's python-prompting handlers do and
// checks it: Python call syntax, or Java / JavaScript call syntax in those
// categories (values are then source text, as upstream's converters expect).
// Error types beyond the checker's: "ast_decoder:decoder_failed" (does not
// parse), "ast_decoder:decoder_wrong_output_format" (Java/JavaScript text
// with no call), "irrelevance_error:decoder_success" (a call where none was
// wanted), "relevance_error:decoder_failed" (no call where one was wanted),
// and "ast_checker:upstream_raises" where the official checker would stop
// with an exception (malformed ground truth, an unknown type name, a Java
// Set/Queue/Stack parameter).
Verdict check_text(const Question& question, const nlohmann::json& ground_truth, std::string_view model_output,
                   const CheckOptions& options = {});

// The function docs as upstream shows them to a model: each description
// ends with the language note (" Note that the provided function is in
// Python 3 syntax." and the Java / JavaScript ones), and Java / JavaScript
// parameters are strings whose description names their type ("This is
// Java long type parameter in string representation.").
nlohmann::ordered_json prompt_functions(const Question& question);

struct ToolOptions {
  // OpenAI's name pattern ^[a-zA-Z0-9_-]{1,64}$ has no '.'; upstream renames
  // "math.hypot" to "math_hypot" for such APIs (pair with
  // CheckOptions::dots_to_underscores).
  bool dots_to_underscores = false;
};
// OpenAI-style tool definitions, {"type": "function", "function": {name,
// description, parameters}}, for function docs: BFCL's types become JSON
// Schema types (dict -> object, float -> number, tuple -> array, and so on,
// through properties and items at any depth); "any" gets no type constraint
// (upstream says "string"). Throws edgelm::Error on docs that are not
// objects with a name.
nlohmann::ordered_json tool_definitions(const nlohmann::ordered_json& functions, const ToolOptions& options = {});
// The same for a question, from prompt_functions().
nlohmann::ordered_json tool_definitions(const Question& question, const ToolOptions& options = {});

// The questions and answers of several categories, by id.
struct Suite {
  std::map<std::string, Question> questions;
  std::map<std::string, nlohmann::json> answers;  // absent for the relevance categories
};
Suite load_suite(const std::filesystem::path& data_dir, const std::vector<std::string>& categories);

// One line of `eval bfcl --check` input: {"id": ..., "category": ...,
// "model_output": ...} (category optional; it must match the id's).
// model_output is python-prompting text, or already decoded calls: a list
// of {"name": ..., "arguments": {...} or a JSON string} or {name: {args}}
// objects. Throws edgelm::Error for a malformed line or an unknown id.
struct LineVerdict {
  std::string id;
  std::string category;
  Verdict verdict;
};
LineVerdict check_line(std::string_view line, const Suite& suite, const CheckOptions& options = {});

}  // namespace edgelm::eval::bfcl
