#include "eval/bfcl/checker.h"

#include <algorithm>
#include <optional>
#include <set>

#include "eval/bfcl/java_js.h"
#include "eval/bfcl/py_text.h"

namespace edgelm::eval::bfcl::detail {
namespace {

using py::Type;
using py::Value;

[[noreturn]] void raises(const std::string& what) { throw py::UpstreamRaises(what); }

// The Python types the checker expects (its type-conversion tables map a
// parameter's declared type to one of these).
enum class Expected { str, integer, floating, boolean, list, dict, set };

std::optional<Expected> python_type(const std::string& t) {
  if (t == "string" || t == "any") return Expected::str;
  if (t == "integer") return Expected::integer;
  if (t == "float") return Expected::floating;
  if (t == "boolean") return Expected::boolean;
  if (t == "array" || t == "tuple") return Expected::list;
  if (t == "dict") return Expected::dict;
  return std::nullopt;
}

std::optional<Expected> java_type(const std::string& t) {
  if (t == "byte" || t == "short" || t == "integer" || t == "long") return Expected::integer;
  if (t == "float" || t == "double") return Expected::floating;
  if (t == "boolean") return Expected::boolean;
  if (t == "char" || t == "String" || t == "any") return Expected::str;
  if (t == "Array" || t == "ArrayList" || t == "Queue" || t == "Stack") return Expected::list;
  if (t == "HashMap" || t == "Hashtable") return Expected::dict;
  if (t == "Set") return Expected::set;
  return std::nullopt;
}

std::optional<Expected> js_type(const std::string& t) {
  if (t == "String" || t == "any") return Expected::str;
  if (t == "integer" || t == "Bigint") return Expected::integer;
  if (t == "float") return Expected::floating;
  if (t == "Boolean") return Expected::boolean;
  if (t == "dict") return Expected::dict;
  if (t == "array") return Expected::list;
  return std::nullopt;
}

const char* expected_name(Expected e) {
  switch (e) {
    case Expected::str: return "str";
    case Expected::integer: return "int";
    case Expected::floating: return "float";
    case Expected::boolean: return "bool";
    case Expected::list: return "list";
    case Expected::dict: return "dict";
    case Expected::set: return "set";
  }
  return "?";
}

// type(value) == expected (exact: bool is not int, tuple is not list).
bool has_type(const Value& v, Expected e) {
  switch (e) {
    case Expected::str: return v.type == Type::string;
    case Expected::integer: return v.type == Type::integer;
    case Expected::floating: return v.type == Type::floating;
    case Expected::boolean: return v.type == Type::boolean;
    case Expected::list: return v.type == Type::list;
    case Expected::dict: return v.type == Type::dict;
    case Expected::set: return false;  // nothing here is a Python set
  }
  return false;
}

bool is_empty_str(const Value& v) { return v.type == Type::string && v.text.empty(); }

// The type of the first acceptable value that is not "" (the optional marker).
std::optional<Value> first_answer(const Value& possible_answers) {
  for (const Value& answer : py::iterate(possible_answers))
    if (!is_empty_str(answer)) return answer;
  return std::nullopt;
}

struct Outcome {
  bool valid = true;
  std::string error_type;
  std::string error;
  bool is_variable = false;
};

Outcome failure(std::string type, std::string error) { return {false, std::move(type), std::move(error), false}; }

const nlohmann::json& field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) raises(std::string("TypeError: a function doc is not an object (looking up '") + key + "')");
  const auto it = object.find(key);
  if (it == object.end()) raises(std::string("KeyError: '") + key + "'");
  return *it;
}

std::string type_field(const nlohmann::json& details) {
  const nlohmann::json& t = field(details, "type");
  if (!t.is_string()) raises("TypeError: a parameter type is not a string");
  return t.get<std::string>();
}

// The acceptable values with their strings standardised.
std::vector<Value> standardized(const Value& possible_answers) {
  std::vector<Value> out;
  for (const Value& answer : py::iterate(possible_answers))
    out.push_back(answer.is_str() ? Value::string(standardize_string(answer.text)) : answer);
  return out;
}

bool in_list(const std::vector<Value>& list, const Value& v) {
  return std::any_of(list.begin(), list.end(), [&](const Value& x) { return py::equal(x, v); });
}

std::string param_repr(const Value& param) { return py::repr(param); }

class Checker {
 public:
  Checker(Language language, const CheckOptions& options) : language_(language), options_(options) {}

  Outcome run(const nlohmann::json& functions, const std::vector<py::DecodedCall>& calls, const Value& answers,
              const std::string& category) {
    const std::vector<Value> expected = py::iterate(answers);
    if (category.find("parallel") != std::string::npos) return parallel(functions, calls, expected);
    if (category.find("multiple") != std::string::npos) return multiple(functions, calls, expected);
    if (calls.size() != 1) return failure("simple_function_checker:wrong_count", "expected one call, got " + std::to_string(calls.size()));
    if (expected.empty()) raises("IndexError: the ground truth is empty");
    if (!functions.is_array() || functions.empty()) raises("IndexError: the question has no function");
    return simple(&functions[0], calls[0], expected[0]);
  }

 private:
  // The function a ground-truth entry names: first key of {name: params}.
  static std::string expected_name_of(const Value& entry) {
    if (entry.type != Type::dict || entry.entries.empty()) raises("TypeError: a ground-truth entry is not a {name: params} dict");
    const Value& key = entry.entries[0].key;
    return key.is_str() ? key.text : py::repr(key);
  }

  static const nlohmann::json* find_description(const nlohmann::json& functions, const std::string& name) {
    if (!functions.is_array()) return &functions;
    for (const nlohmann::json& f : functions) {
      const nlohmann::json& n = field(f, "name");
      if (n.is_string() && n.get<std::string>() == name) return &f;
    }
    return nullptr;
  }

  Outcome multiple(const nlohmann::json& functions, const std::vector<py::DecodedCall>& calls, const std::vector<Value>& expected) {
    if (calls.size() != expected.size())
      return failure("multiple_function_checker:wrong_count", "expected " + std::to_string(expected.size()) + " call(s), got " + std::to_string(calls.size()));
    if (expected.empty()) return {};
    return simple(find_description(functions, expected_name_of(expected[0])), calls[0], expected[0]);
  }

  // Each expected call, in order, takes the first unmatched output call that passes.
  Outcome parallel(const nlohmann::json& functions, const std::vector<py::DecodedCall>& calls, const std::vector<Value>& expected) {
    if (calls.size() != expected.size())
      return failure("parallel_function_checker_no_order:wrong_count", "expected " + std::to_string(expected.size()) + " calls, got " + std::to_string(calls.size()));
    std::vector<bool> matched(calls.size(), false);
    for (size_t i = 0; i < expected.size(); ++i) {
      const nlohmann::json* description = find_description(functions, expected_name_of(expected[i]));
      Outcome last;
      std::string reasons;
      for (size_t k = 0; k < calls.size(); ++k) {
        if (matched[k]) continue;
        last = simple(description, calls[k], expected[i]);
        if (last.valid) {
          matched[k] = true;
          break;
        }
        reasons += " [call " + std::to_string(k) + ": " + last.error_type + ": " + last.error + "]";
      }
      if (!last.valid)
        return failure("parallel_function_checker_no_order:cannot_find_match",
                       "no output call matches expected call " + std::to_string(i) + " (" + expected_name_of(expected[i]) + ")" + reasons);
    }
    return {};
  }

  std::string expected_function_name(const nlohmann::json& description) const {
    const nlohmann::json& n = field(description, "name");
    if (!n.is_string()) raises("TypeError: a function name is not a string");
    std::string name = n.get<std::string>();
    if (options_.dots_to_underscores) std::replace(name.begin(), name.end(), '.', '_');
    return name;
  }

  Outcome simple(const nlohmann::json* description, const py::DecodedCall& call, const Value& entry) {
    if (!description) raises("TypeError: the ground truth names a function the question does not have");
    if (entry.type != Type::dict || entry.entries.empty()) raises("TypeError: a ground-truth entry is not a {name: params} dict");
    const Value& answer = entry.entries[0].value;
    const nlohmann::json& parameters = field(*description, "parameters");
    const nlohmann::json& details = field(parameters, "properties");
    const nlohmann::json& required = field(parameters, "required");
    const std::string name = expected_function_name(*description);
    if (call.name != name)
      return failure("simple_function_checker:wrong_func_name", "function '" + name + "' not found in the output (got '" + call.name + "')");
    const Value& args = call.args;
    for (const nlohmann::json& r : required) {
      const Value param = py::from_json(r);
      if (!py::contains(args, param)) return failure("simple_function_checker:missing_required", "missing required parameter " + param_repr(param));
    }
    for (const auto& [param, value] : args.entries) {
      const bool documented = param.is_str() && details.is_object() && details.contains(param.text);
      if (!documented || !py::contains(answer, param))
        return failure("simple_function_checker:unexpected_param", "unexpected parameter " + param_repr(param));
      Outcome outcome = check_parameter(param.text, details[param.text], value, py::subscript(answer, param));
      if (!outcome.valid) return outcome;
    }
    for (const Value& param : py::iterate(answer)) {
      if (!py::contains(args, param) && !py::contains(py::subscript(answer, param), Value::string("")))
        return failure("simple_function_checker:missing_optional",
                       "parameter " + param_repr(param) + " is not given and the ground truth does not mark it optional");
    }
    return {};
  }

  // Java and JavaScript values are source text until their type converter reads them.
  std::optional<Outcome> convert_language_value(const std::string& param, const std::string& type, const nlohmann::json& details,
                                                Value& value, std::optional<Expected>& item_expected) {
    const bool java = language_ == Language::java;
    if (value.type != Type::string)
      return failure(java ? "type_error:java" : "type_error:js",
                     "parameter '" + param + "' should be a string (source text), got " + py::type_name(value));
    std::string item_type;
    if (type == "Array" || type == "ArrayList" || type == "array") {
      item_type = type_field(field(details, "items"));
      item_expected = java ? java_type(item_type) : js_type(item_type);
      if (!item_expected) raises("KeyError: '" + item_type + "'");
    }
    value = java ? convert::java_value(value.text, type, item_type) : convert::js_value(value.text, type, item_type);
    return std::nullopt;
  }

  Outcome check_parameter(const std::string& param, const nlohmann::json& details, Value value, const Value& possible) {
    const std::string type = type_field(details);
    const std::optional<Expected> expected = language_ == Language::java         ? java_type(type)
                                             : language_ == Language::javascript ? js_type(type)
                                                                                 : python_type(type);
    if (!expected) raises("KeyError: '" + type + "'");
    std::optional<Expected> item_expected;
    if (language_ == Language::python) {
      if (type == "array" || type == "tuple") {
        const std::string item_type = type_field(field(details, "items"));
        item_expected = python_type(item_type);
        if (!item_expected) raises("KeyError: '" + item_type + "'");
      }
    } else if (auto refused = convert_language_value(param, type, details, value, item_expected)) {
      return *refused;
    }
    // Tuples compare as lists for tuple parameters; Python accepts an int for a float.
    if (type == "tuple" && value.type == Type::tuple) value.type = Type::list;
    if (language_ == Language::python && type == "float" && value.type == Type::integer)
      value = Value::floating(value.big.empty() ? static_cast<double>(value.integer) : py::to_double(value.big));

    Outcome typed = type_check(param, value, possible, *expected, item_expected);
    if (!typed.valid) return typed;
    if (!typed.is_variable) {
      if (*expected == Expected::dict) return dict_check(param, value, possible);
      if (*expected == Expected::list && item_expected == Expected::dict) return list_of_dicts_check(param, value, possible);
      if (*expected == Expected::str) return string_check(param, value, possible);
      if (*expected == Expected::list) return list_check(param, value, possible);
    }
    if (!py::contains(possible, value))
      return failure("value_error:others", "invalid value for '" + param + "': " + py::repr(value) + ", expected one of " + py::repr(possible));
    return {};
  }

  // A value of the answers' type where the declared type differs counts as a
  // variable name (upstream's is_variable) and is compared as is.
  Outcome type_check(const std::string& param, const Value& value, const Value& possible, Expected expected,
                     std::optional<Expected> item_expected) {
    Outcome result;
    const std::optional<Value> sample = first_answer(possible);
    const bool variable = sample && !has_type(*sample, expected);
    if (has_type(value, expected)) {
      if (!item_expected) {
        result.is_variable = variable;
        return result;
      }
      for (const Value& answer : py::iterate(possible)) {
        bool items_ok = true;
        if (answer.type == Type::list) {
          for (const Value& item : value.items) {
            if (!type_check(param, item, answer, *item_expected, std::nullopt).valid) {
              items_ok = false;
              break;
            }
          }
        }
        if (items_ok) {
          result.is_variable = variable;
          return result;
        }
      }
      result = failure("type_error:nested", std::string("items of '") + param + "' should be " + expected_name(*item_expected) +
                                                ": " + py::repr(value));
    }
    if (sample && value.type == sample->type) {
      result.is_variable = true;  // keeps a nested failure from above
      return result;
    }
    return failure("type_error:simple", "'" + param + "' should be " + expected_name(expected) + ", got " + py::type_name(value) +
                                            ": " + py::repr(value));
  }

  Outcome string_check(const std::string& param, const Value& value, const Value& possible) {
    std::vector<Value> accepted;
    for (const Value& answer : py::iterate(possible))
      if (answer.is_str()) accepted.push_back(Value::string(standardize_string(answer.text)));
    if (!in_list(accepted, Value::string(standardize_string(value.text))))
      return failure("value_error:string", "invalid value for '" + param + "': " + py::repr(value) + ", expected one of " +
                                               py::repr(possible) + " (compared without case, spaces and ,./-_*^)");
    return {};
  }

  Outcome list_check(const std::string& param, const Value& value, const Value& possible) {
    Value output = Value::list(value.items);
    for (Value& item : output.items)
      if (item.is_str()) item = Value::string(standardize_string(item.text));
    std::vector<Value> accepted;
    for (const Value& answer : py::iterate(possible)) {
      Value row = Value::list({});
      for (size_t j = 0; j < py::py_len(answer); ++j) {
        Value item = py::subscript(answer, Value::integer_value(static_cast<int64_t>(j)));
        row.items.push_back(item.is_str() ? Value::string(standardize_string(item.text)) : item);
      }
      accepted.push_back(std::move(row));
    }
    if (!in_list(accepted, output))
      return failure("value_error:list/tuple", "invalid value for '" + param + "': " + py::repr(value) + ", expected one of " + py::repr(possible));
    return {};
  }

  // One dict against each acceptable dict (skipping ""); the last one's verdict stands.
  Outcome dict_check(const std::string& param, const Value& value, const Value& possible) {
    Outcome result = failure("dict_checker:unclear", "no acceptable value for '" + param + "'");
    for (const Value& answer : py::iterate(possible)) {
      if (is_empty_str(answer)) continue;
      result = failure("dict_checker:unclear", "");
      bool ok = true;
      if (value.type != Type::dict) raises("AttributeError: '" + py::type_name(value) + "' object has no attribute 'items'");
      for (const auto& [key, item] : value.entries) {
        if (!py::contains(answer, key)) {
          result = failure("value_error:dict_key", "unexpected key " + py::repr(key) + " in '" + param + "'");
          ok = false;
          break;
        }
        const Value std_item = item.is_str() ? Value::string(standardize_string(item.text)) : item;
        const std::vector<Value> accepted = standardized(py::subscript(answer, key));
        if (!in_list(accepted, std_item)) {
          result = failure("value_error:dict_value", "invalid value for key " + py::repr(key) + " in '" + param + "': " + py::repr(item));
          ok = false;
          break;
        }
      }
      if (answer.type != Type::dict) raises("AttributeError: '" + py::type_name(answer) + "' object has no attribute 'items'");
      for (const auto& [key, accepted] : answer.entries) {
        if (!py::contains(value, key) && !py::contains(accepted, Value::string(""))) {
          result = failure("value_error:dict_key", "missing key " + py::repr(key) + " in '" + param + "'");
          ok = false;
          break;
        }
      }
      if (ok) return {};
    }
    return result;
  }

  // A list of dicts against each acceptable list, dict by dict in order.
  Outcome list_of_dicts_check(const std::string& param, const Value& value, const Value& possible) {
    Outcome result = failure("list_dict_checker:unclear", "no acceptable value for '" + param + "'");
    for (const Value& answer : py::iterate(possible)) {
      if (value.items.size() != py::py_len(answer)) {
        result = failure("value_error:list_dict_count", "wrong number of dicts in '" + param + "'");
        continue;
      }
      bool ok = true;
      for (size_t i = 0; i < value.items.size(); ++i) {
        const Value one = Value::list({py::subscript(answer, Value::integer_value(static_cast<int64_t>(i)))});
        result = dict_check(param, value.items[i], one);
        if (!result.valid) {
          ok = false;
          break;
        }
      }
      if (ok) return {};
    }
    return result;
  }

  Language language_;
  CheckOptions options_;
};

}  // namespace

Language language_of(const std::string& category) {
  if (category.find("javascript") != std::string::npos) return Language::javascript;
  if (category.find("java") != std::string::npos) return Language::java;
  return Language::python;
}

bool is_irrelevance(const std::string& category) { return category.find("irrelevance") != std::string::npos; }
bool is_relevance(const std::string& category) {
  return !is_irrelevance(category) && category.find("relevance") != std::string::npos;
}

std::string standardize_string(const std::string& text) {
  std::string kept;
  for (char c : text)
    if (std::string_view(" ,./-_*^").find(c) == std::string_view::npos) kept += c;
  std::string out = py::lower(kept);
  std::replace(out.begin(), out.end(), '\'', '"');
  return out;
}

Verdict check_calls(const Question& question, const nlohmann::json& ground_truth, const std::vector<py::DecodedCall>& calls,
                    const CheckOptions& options) {
  try {
    Checker checker(language_of(question.category), options);
    const Outcome outcome = checker.run(question.functions, calls, py::from_json(ground_truth), question.category);
    if (outcome.valid) return {true, "", ""};
    return {false, outcome.error_type, outcome.error};
  } catch (const py::UpstreamRaises& e) {
    return {false, "ast_checker:upstream_raises", std::string("the official checker raises here: ") + e.what()};
  }
}

}  // namespace edgelm::eval::bfcl::detail
