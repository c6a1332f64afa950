// Pieces shared by the family scanners: tool schemas and value typing, JSON helpers,
// and the extent of a broken call.
#include <algorithm>
#include <cmath>
#include <string>

#include "chat/toolcalls/dialect.h"
#include "edgelm/error.h"
#include "edgelm/json_input.h"

namespace edgelm::toolcalls::detail {

// ---- Tool schemas --------------------------------------------------------------------------

ToolSchemas::ToolSchemas(const Json& tools) {
  if (tools.is_null()) return;
  if (!tools.is_array()) throw Error("tools: expected a JSON array of tool definitions");
  for (size_t i = 0; i < tools.size(); ++i) {
    const Json& entry = tools[i];
    // OpenAI form {"type":"function","function":{…}}; a bare {name, parameters} is accepted too.
    const Json& fn = entry.is_object() && entry.contains("function") ? entry["function"] : entry;
    if (!fn.is_object() || !fn.contains("name") || !fn["name"].is_string())
      throw Error("tools[" + std::to_string(i) + "]: expected an object with a string \"name\"");
    Tool tool;
    tool.name = fn["name"].get<std::string>();
    tool.parameters = fn.contains("parameters") ? fn["parameters"] : Json::object();
    tools_.push_back(std::move(tool));
  }
}

const Json* ToolSchemas::find_tool(std::string_view name) const {
  for (const Tool& tool : tools_)
    if (tool.name == name) return &tool.parameters;
  return nullptr;
}

const Json* ToolSchemas::find_parameter(std::string_view tool, std::string_view parameter) const {
  const Json* params = find_tool(tool);
  if (!params || !params->is_object()) return nullptr;
  auto props = params->find("properties");
  if (props == params->end() || !props->is_object()) return nullptr;
  auto it = props->find(std::string(parameter));
  return it == props->end() ? nullptr : &*it;
}

namespace {

ValueKind kind_from_type_name(const std::string& type) {
  if (type == "string") return ValueKind::String;
  if (type == "integer") return ValueKind::Integer;
  if (type == "number") return ValueKind::Number;
  if (type == "boolean") return ValueKind::Boolean;
  if (type == "object") return ValueKind::Object;
  if (type == "array") return ValueKind::Array;
  if (type == "null") return ValueKind::Null;
  return ValueKind::Untyped;
}

// Of several admissible kinds, a string wins (its text is then kept verbatim, which loses
// nothing); otherwise the first real type.
ValueKind merge_kinds(const std::vector<ValueKind>& kinds) {
  if (std::find(kinds.begin(), kinds.end(), ValueKind::String) != kinds.end()) return ValueKind::String;
  for (ValueKind kind : kinds)
    if (kind != ValueKind::Null && kind != ValueKind::Untyped) return kind;
  if (std::find(kinds.begin(), kinds.end(), ValueKind::Null) != kinds.end()) return ValueKind::Null;
  return ValueKind::Untyped;
}

ValueKind value_kind_at_depth(const Json* schema, int depth) {
  if (!schema || !schema->is_object() || depth > 8) return ValueKind::Untyped;
  auto type = schema->find("type");
  if (type != schema->end()) {
    if (type->is_string()) return kind_from_type_name(type->get<std::string>());
    if (type->is_array()) {
      std::vector<ValueKind> kinds;
      for (const Json& t : *type)
        if (t.is_string()) kinds.push_back(kind_from_type_name(t.get<std::string>()));
      return merge_kinds(kinds);
    }
  }
  auto enumeration = schema->find("enum");
  if (enumeration != schema->end() && enumeration->is_array() && !enumeration->empty()) {
    bool all_strings = std::all_of(enumeration->begin(), enumeration->end(), [](const Json& v) { return v.is_string(); });
    return all_strings ? ValueKind::String : ValueKind::Untyped;
  }
  if (schema->contains("const") && (*schema)["const"].is_string()) return ValueKind::String;
  for (const char* key : {"anyOf", "oneOf"}) {
    auto alternatives = schema->find(key);
    if (alternatives == schema->end() || !alternatives->is_array()) continue;
    std::vector<ValueKind> kinds;
    for (const Json& alt : *alternatives) kinds.push_back(value_kind_at_depth(&alt, depth + 1));
    return merge_kinds(kinds);
  }
  return ValueKind::Untyped;
}

bool value_fits(ValueKind kind, const Json& value) {
  if (value.is_null()) return true;  // "no value" is acceptable for any typed parameter
  switch (kind) {
    case ValueKind::Integer:
      return value.is_number_integer() || (value.is_number_float() && std::isfinite(value.get<double>()) &&
                                           std::floor(value.get<double>()) == value.get<double>());
    case ValueKind::Number: return value.is_number();
    case ValueKind::Boolean: return value.is_boolean();
    case ValueKind::Object: return value.is_object();
    case ValueKind::Array: return value.is_array();
    case ValueKind::Null: return false;
    case ValueKind::String:
    case ValueKind::Untyped: return true;
  }
  return false;
}

std::string_view trim(std::string_view text) {
  size_t first = 0, last = text.size();
  while (first < last && is_space(text[first])) ++first;
  while (last > first && is_space(text[last - 1])) --last;
  return text.substr(first, last - first);
}

}  // namespace

ValueKind value_kind(const Json* schema) { return value_kind_at_depth(schema, 0); }

Json type_text_value(const ToolSchemas& schemas, std::string_view tool, std::string_view parameter,
                     std::string_view text, std::vector<std::string>& diagnostics) {
  ValueKind kind = value_kind(schemas.find_parameter(tool, parameter));
  // Without a declared type nothing says the text is anything but a string.
  if (kind == ValueKind::String || kind == ValueKind::Untyped) return Json(std::string(text));
  std::string_view word = trim(text);
  // Python spellings: the Qwen templates render history values with str().
  if (word == "None") return Json(nullptr);
  if (kind == ValueKind::Boolean && (word == "True" || word == "False")) return Json(word == "True");
  std::optional<Json> value = parse_json(word);
  if (value && value_fits(kind, *value)) return *value;
  add_diagnostic(diagnostics, "argument_type_mismatch:" + std::string(parameter));
  return Json(std::string(text));
}

// ---- JSON helpers --------------------------------------------------------------------------

size_t json_extent(Cursor& cursor) {
  size_t start = cursor.pos();
  int depth = 0;
  do {
    char c = cursor.next();
    if (c == '"') {
      for (char s = cursor.next(); s != '"'; s = cursor.next())
        if (s == '\\') cursor.next();
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxNesting) throw Malformed{};
    } else if (c == '}' || c == ']') {
      --depth;
    }
  } while (depth > 0);
  return cursor.pos() - start;
}

std::optional<Json> parse_json(std::string_view text) {
  if (json_too_deep(text, kMaxNesting)) return std::nullopt;
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

std::optional<ToolCall> call_from_json(const Json& value, std::string_view arguments_key, std::string_view alternative_key,
                                       bool arguments_required, std::vector<std::string>& diagnostics) {
  if (!value.is_object()) return std::nullopt;
  // OpenAI's own shape {"type":"function","function":{"name":…,"arguments":…}}.
  const Json& call = value.contains("function") && value["function"].is_object() ? value["function"] : value;
  auto name = call.find("name");
  if (name == call.end() || !name->is_string() || name->get<std::string>().empty()) return std::nullopt;
  Json arguments;
  if (call.contains(arguments_key)) {
    arguments = call[std::string(arguments_key)];
  } else if (call.contains(alternative_key)) {
    arguments = call[std::string(alternative_key)];
    add_diagnostic(diagnostics, std::string(alternative_key) + "_key_used");
  } else if (arguments_required) {
    return std::nullopt;
  }
  if (arguments.is_string()) {  // a JSON object serialised once more, as the OpenAI API sends it
    std::optional<Json> decoded = parse_json(arguments.get<std::string>());
    if (!decoded || !decoded->is_object()) return std::nullopt;
    arguments = std::move(*decoded);
    add_diagnostic(diagnostics, "arguments_double_encoded");
  }
  if (arguments.is_null()) arguments = Json::object();
  if (!arguments.is_object()) return std::nullopt;
  return ToolCall{name->get<std::string>(), wrap(std::move(arguments))};
}

// ---- Scanner helpers -----------------------------------------------------------------------

CallScan failed_scan(std::string_view view, bool at_end, std::string_view closer, bool truncated) {
  CallScan scan;
  size_t close = closer.empty() ? std::string_view::npos : view.find(closer, 1);
  if (close != std::string_view::npos) {
    // The call was closed but its inside is broken: everything through the closer is shown.
    scan.status = CallScan::Status::Failed;
    scan.end = close + closer.size();
    scan.diagnostics.push_back("malformed_tool_call");
  } else if (at_end) {
    scan.status = CallScan::Status::Failed;
    scan.end = view.size();
    scan.diagnostics.push_back(truncated ? "incomplete_tool_call" : "malformed_tool_call");
  }  // else: the closer may still come; wait for it (status NeedMore)
  return scan;
}

std::optional<std::string> read_name(Cursor& cursor, char terminator, bool allow_spaces) {
  constexpr size_t kMaxNameLength = 256;
  std::string name;
  for (char c = cursor.peek(); c != terminator; c = cursor.peek()) {
    if (c == '\n' || c == '<' || (!allow_spaces && is_space(c)) || name.size() >= kMaxNameLength) return std::nullopt;
    name += c;
    cursor.next();
  }
  return name;
}

void add_diagnostic(std::vector<std::string>& diagnostics, std::string diagnostic) {
  if (std::find(diagnostics.begin(), diagnostics.end(), diagnostic) == diagnostics.end())
    diagnostics.push_back(std::move(diagnostic));
}

}  // namespace edgelm::toolcalls::detail
