#include "eval/bfcl/bfcl.h"

#include <algorithm>
#include <fstream>

#include "edgelm/error.h"
#include "edgelm/json_input.h"
#include "chat/jinja/json.h"
#include "eval/bfcl/checker.h"
#include "eval/bfcl/java_js.h"
#include "eval/bfcl/py_parse.h"
#include "eval/bfcl/py_value.h"

namespace edgelm::eval::bfcl {
namespace {

bool has_ground_truth(const std::string& category) {
  return !detail::is_irrelevance(category) && !detail::is_relevance(category);
}

void require_known(const std::string& category) {
  const std::vector<std::string> known = categories();
  if (std::find(known.begin(), known.end(), category) == known.end())
    throw Error("unknown BFCL category '" + category + "'");
}

// Calls each parsed line of a BFCL JSON-lines file, with its line number.
template <typename Json, typename Fn>
void for_each_line(const std::filesystem::path& path, Fn&& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open BFCL file " + path.string());
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    const std::string where = path.string() + ":" + std::to_string(number);
    if (json_too_deep(line)) throw Error(where + ": JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    Json entry;
    try {
      entry = Json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(where + ": invalid JSON: " + e.what());
    }
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string())
      throw Error(where + ": expected an object with a string \"id\"");
    fn(entry, where);
  }
}

std::vector<py::DecodedCall> decoded(const std::vector<Call>& calls) {
  std::vector<py::DecodedCall> out;
  for (const Call& call : calls) {
    if (!call.arguments.is_null() && !call.arguments.is_object())
      throw Error("BFCL: the arguments of call '" + call.name + "' are not a JSON object");
    out.push_back({call.name, call.arguments.is_null() ? py::Value::dict() : py::from_json(call.arguments)});
  }
  return out;
}

// Relevance categories look only at whether there is a call.
Verdict relevance_verdict(const std::string& category, bool has_call, const std::string& decode_error);

Verdict check_decoded(const Question& question, const nlohmann::json& ground_truth,
                      const std::vector<py::DecodedCall>& calls, const CheckOptions& options) {
  if (!has_ground_truth(question.category)) return relevance_verdict(question.category, !calls.empty(), "");
  return detail::check_calls(question, ground_truth, calls, options);
}

Verdict relevance_verdict(const std::string& category, bool has_call, const std::string& decode_error) {
  if (detail::is_irrelevance(category)) {
    if (!has_call) return {true, "", ""};
    return {false, "irrelevance_error:decoder_success", "the output calls a function where none fits"};
  }
  if (has_call) return {true, "", ""};
  return {false, "relevance_error:decoder_failed", "the output has no function call" + (decode_error.empty() ? "" : ": " + decode_error)};
}

// upstream's default_decode_ast_prompting: strip "`", newlines and spaces
// from both ends and add the brackets that are missing.
std::string bracketed(std::string_view text) {
  const size_t begin = text.find_first_not_of("`\n ");
  const size_t end = text.find_last_not_of("`\n ");
  std::string s = begin == std::string_view::npos ? "" : std::string(text.substr(begin, end - begin + 1));
  if (s.empty() || s.front() != '[') s.insert(s.begin(), '[');
  if (s.back() != ']') s.push_back(']');
  return s;
}

// Python's json.dumps() with its default separators and ensure_ascii, as the
// Jinja engine's tojson writes it.
std::string python_dumps(const nlohmann::ordered_json& j) {
  jinja::JsonDumpOptions options;
  options.ensure_ascii = true;
  return jinja::dumps(jinja::from_json(j), options);
}

std::string text_or_empty(const nlohmann::ordered_json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Java and JavaScript parameters are shown as strings; their description
// says which type the text stands for.
void stringify_parameters(nlohmann::ordered_json& properties, bool java) {
  const std::string language = java ? "Java" : "JavaScript";
  for (auto& [name, schema] : properties.items()) {
    if (!schema.is_object()) continue;
    const std::string type = text_or_empty(schema, "type");
    std::string description = text_or_empty(schema, "description");
    if (type == "any") {
      description += " This parameter can be of any type of " + language + " object in string representation.";
    } else {
      description += " This is " + language + " " + type + " type parameter in string representation.";
    }
    const bool list = java ? (type == "ArrayList" || type == "Array") : type == "array";
    if (list) {
      const auto items = schema.find("items");
      const std::string item_type = items != schema.end() && items->is_object() ? text_or_empty(*items, "type") : "";
      description += " The list elements are of type " + item_type + "; they are not in string representation.";
      schema.erase("items");
    }
    if (!java && type == "dict" && schema.contains("properties")) {
      description += " The dictionary entries have the following schema; they are not in string representation. " +
                     python_dumps(schema["properties"]);
      schema.erase("properties");
    }
    schema["description"] = description;
    schema["type"] = "string";
  }
}

// BFCL's type names (Python, Java and JavaScript flavours) as JSON Schema types;
// "" for no constraint.
std::string schema_type(const std::string& t) {
  if (t == "integer" || t == "byte" || t == "short" || t == "long" || t == "Bigint") return "integer";
  if (t == "float" || t == "double" || t == "number") return "number";
  if (t == "boolean" || t == "bool" || t == "Boolean") return "boolean";
  if (t == "array" || t == "list" || t == "tuple" || t == "Array" || t == "ArrayList" || t == "Queue" || t == "Stack" || t == "Set")
    return "array";
  if (t == "dict" || t == "object" || t == "HashMap" || t == "Hashtable") return "object";
  if (t == "any" || t == "Any") return "";
  return "string";  // string, String, char, and names upstream does not map
}

void map_schema(nlohmann::ordered_json& schema, int depth) {
  if (!schema.is_object()) return;
  if (depth > kMaxJsonDepth) throw Error("BFCL: function parameters nest too deeply");
  const auto type = schema.find("type");
  const std::string mapped = schema_type(type != schema.end() && type->is_string() ? type->get<std::string>() : "");
  if (type != schema.end() && type->is_string() && mapped.empty()) {
    schema.erase("type");
  } else {
    schema["type"] = mapped.empty() ? "string" : mapped;
  }
  if (auto props = schema.find("properties"); props != schema.end() && props->is_object())
    for (auto& [name, child] : props->items()) map_schema(child, depth + 1);
  if (auto items = schema.find("items"); items != schema.end()) map_schema(*items, depth + 1);
}

}  // namespace

std::vector<std::string> categories() {
  return {"simple_python", "simple_java",   "simple_javascript", "multiple",         "parallel",
          "parallel_multiple", "irrelevance", "live_simple",     "live_multiple",    "live_parallel",
          "live_parallel_multiple", "live_irrelevance", "live_relevance"};
}

std::vector<Question> load_questions(const std::filesystem::path& data_dir, const std::string& category) {
  require_known(category);
  std::vector<Question> questions;
  for_each_line<nlohmann::ordered_json>(data_dir / ("BFCL_v4_" + category + ".json"),
                                        [&](const nlohmann::ordered_json& entry, const std::string& where) {
    const auto question = entry.find("question");
    const auto function = entry.find("function");
    if (question == entry.end() || !question->is_array() || function == entry.end() || !function->is_array())
      throw Error(where + ": expected \"question\" and \"function\" lists");
    Question q;
    q.id = entry["id"].get<std::string>();
    q.category = category;
    q.turns = nlohmann::json::parse(question->dump());
    q.functions = nlohmann::json::parse(function->dump());
    q.functions_in_order = *function;
    questions.push_back(std::move(q));
  });
  return questions;
}

std::map<std::string, nlohmann::json> load_answers(const std::filesystem::path& data_dir, const std::string& category) {
  require_known(category);
  std::map<std::string, nlohmann::json> answers;
  if (!has_ground_truth(category)) return answers;
  for_each_line<nlohmann::json>(data_dir / "possible_answer" / ("BFCL_v4_" + category + ".json"),
                                [&](const nlohmann::json& entry, const std::string& where) {
    const auto truth = entry.find("ground_truth");
    if (truth == entry.end() || !truth->is_array()) throw Error(where + ": expected a \"ground_truth\" list");
    if (!answers.emplace(entry["id"].get<std::string>(), *truth).second) throw Error(where + ": duplicate id");
  });
  return answers;
}

std::vector<Call> parse_python_calls(std::string_view text) {
  std::vector<Call> calls;
  for (const py::DecodedCall& call : py::decode_python(text)) calls.push_back({call.name, py::to_json(call.args)});
  return calls;
}

Verdict check(const Question& question, const nlohmann::json& ground_truth, const std::vector<Call>& calls) {
  return check(question, ground_truth, calls, CheckOptions{});
}

Verdict check(const Question& question, const nlohmann::json& ground_truth, const std::vector<Call>& calls,
              const CheckOptions& options) {
  return check_decoded(question, ground_truth, decoded(calls), options);
}

Verdict check_text(const Question& question, const nlohmann::json& ground_truth, std::string_view model_output,
                   const CheckOptions& options) {
  if (!has_ground_truth(question.category)) {
    try {
      return relevance_verdict(question.category, !py::decode_python(model_output).empty(), "");
    } catch (const Error& e) {
      return relevance_verdict(question.category, false, e.what());
    }
  }
  std::vector<py::DecodedCall> calls;
  try {
    const detail::Language language = detail::language_of(question.category);
    if (language == detail::Language::python) {
      calls = py::decode_python(model_output);
    } else {
      // Upstream drops the first and last characters, the brackets it added.
      const std::string text = bracketed(model_output);
      const std::string_view inner = std::string_view(text).substr(1, text.size() - 2);
      auto found = language == detail::Language::java ? convert::decode_java(inner) : convert::decode_javascript(inner);
      if (!found) return {false, "ast_decoder:decoder_wrong_output_format", "the output holds no function call"};
      calls = std::move(*found);
    }
  } catch (const Error& e) {
    return {false, "ast_decoder:decoder_failed", std::string("invalid syntax, the output does not decode: ") + e.what()};
  }
  return detail::check_calls(question, ground_truth, calls, options);
}

nlohmann::ordered_json prompt_functions(const Question& question) {
  nlohmann::ordered_json functions = question.functions_in_order.is_null()
                                         ? nlohmann::ordered_json::parse(question.functions.dump())
                                         : question.functions_in_order;
  if (!functions.is_array()) throw Error("BFCL: question " + question.id + " has no function list");
  const detail::Language language = detail::language_of(question.category);
  const char* hint = language == detail::Language::java         ? " Note that the provided function is in Java 8 SDK syntax."
                     : language == detail::Language::javascript ? " Note that the provided function is in JavaScript syntax."
                                                                : " Note that the provided function is in Python 3 syntax.";
  for (auto& function : functions) {
    if (!function.is_object()) throw Error("BFCL: question " + question.id + " has a function doc that is not an object");
    function["description"] = text_or_empty(function, "description") + hint;
    if (language == detail::Language::python) continue;
    const auto parameters = function.find("parameters");
    if (parameters == function.end() || !parameters->is_object()) continue;
    if (auto properties = parameters->find("properties"); properties != parameters->end() && properties->is_object())
      stringify_parameters(*properties, language == detail::Language::java);
  }
  return functions;
}

nlohmann::ordered_json tool_definitions(const nlohmann::ordered_json& functions, const ToolOptions& options) {
  if (!functions.is_array()) throw Error("BFCL: function docs must be a list");
  nlohmann::ordered_json tools = nlohmann::ordered_json::array();
  for (const auto& doc : functions) {
    if (!doc.is_object() || !doc.contains("name") || !doc["name"].is_string())
      throw Error("BFCL: a function doc is not an object with a string \"name\"");
    std::string name = doc["name"].get<std::string>();
    if (options.dots_to_underscores) std::replace(name.begin(), name.end(), '.', '_');
    nlohmann::ordered_json parameters = doc.contains("parameters") && doc["parameters"].is_object()
                                            ? doc["parameters"]
                                            : nlohmann::ordered_json::object();
    map_schema(parameters, 0);
    parameters["type"] = "object";
    if (!parameters.contains("properties")) parameters["properties"] = nlohmann::ordered_json::object();
    nlohmann::ordered_json function = nlohmann::ordered_json::object();
    function["name"] = name;
    function["description"] = text_or_empty(doc, "description");
    function["parameters"] = std::move(parameters);
    nlohmann::ordered_json tool = nlohmann::ordered_json::object();
    tool["type"] = "function";
    tool["function"] = std::move(function);
    tools.push_back(std::move(tool));
  }
  return tools;
}

nlohmann::ordered_json tool_definitions(const Question& question, const ToolOptions& options) {
  return tool_definitions(prompt_functions(question), options);
}

Suite load_suite(const std::filesystem::path& data_dir, const std::vector<std::string>& names) {
  Suite suite;
  for (const std::string& category : names) {
    for (Question& q : load_questions(data_dir, category)) {
      const std::string id = q.id;
      if (!suite.questions.emplace(id, std::move(q)).second) throw Error("BFCL: duplicate question id " + id);
    }
    for (auto& [id, truth] : load_answers(data_dir, category)) suite.answers.emplace(id, std::move(truth));
  }
  return suite;
}

namespace {

// Decoded calls given as JSON: {"name", "arguments"} (arguments an object
// or the JSON text of one, as APIs send them) or {name: arguments}. Read
// with their key order, which decides which error a faulty call reports.
std::vector<py::DecodedCall> calls_from_json(const nlohmann::ordered_json& list) {
  const auto arguments_of = [](const nlohmann::ordered_json& a) {
    nlohmann::ordered_json parsed = a;
    if (a.is_string()) {
      const std::string& text = a.get_ref<const std::string&>();
      if (json_too_deep(text)) throw Error("BFCL --check: call arguments nest too deeply");
      try {
        parsed = nlohmann::ordered_json::parse(text);
      } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("BFCL --check: call arguments are not JSON: ") + e.what());
      }
    }
    if (parsed.is_null()) return py::Value::dict();
    if (!parsed.is_object()) throw Error("BFCL --check: call arguments are not a JSON object");
    return py::from_json(parsed);
  };
  std::vector<py::DecodedCall> calls;
  for (const auto& item : list) {
    if (!item.is_object()) throw Error("BFCL --check: a call is not a JSON object");
    if (item.contains("name") && item["name"].is_string()) {
      const auto arguments = item.find("arguments");
      calls.push_back({item["name"].get<std::string>(),
                       arguments == item.end() ? py::Value::dict() : arguments_of(*arguments)});
    } else if (item.size() == 1) {
      calls.push_back({item.begin().key(), arguments_of(item.begin().value())});
    } else {
      throw Error("BFCL --check: a call must be {\"name\", \"arguments\"} or {name: arguments}");
    }
  }
  return calls;
}

}  // namespace

LineVerdict check_line(std::string_view line, const Suite& suite, const CheckOptions& options) {
  if (json_too_deep(line)) throw Error("BFCL --check: the line nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  nlohmann::ordered_json entry;
  try {
    entry = nlohmann::ordered_json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("BFCL --check: invalid JSON: ") + e.what());
  }
  if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() || !entry.contains("model_output"))
    throw Error("BFCL --check: expected {\"id\", \"category\", \"model_output\"}");
  LineVerdict out;
  out.id = entry["id"].get<std::string>();
  const auto question = suite.questions.find(out.id);
  if (question == suite.questions.end()) throw Error("BFCL --check: unknown id '" + out.id + "'");
  const Question& q = question->second;
  out.category = q.category;
  if (entry.contains("category") && !entry["category"].is_null() &&
      (!entry["category"].is_string() || entry["category"].get<std::string>() != q.category))
    throw Error("BFCL --check: id '" + out.id + "' belongs to category " + q.category);
  nlohmann::json truth;
  if (has_ground_truth(q.category)) {
    const auto answer = suite.answers.find(out.id);
    if (answer == suite.answers.end()) throw Error("BFCL --check: no ground truth for '" + out.id + "'");
    truth = answer->second;
  }
  const auto& output = entry["model_output"];
  if (output.is_string()) {
    out.verdict = check_text(q, truth, output.get<std::string>(), options);
  } else if (output.is_array()) {
    out.verdict = check_decoded(q, truth, calls_from_json(output), options);
  } else {
    throw Error("BFCL --check: model_output must be text or a list of calls");
  }
  return out;
}

}  // namespace edgelm::eval::bfcl
