// JSON schema conversion: keyword dispatch, references, allOf merging,
// objects and arrays. Strings, numbers and literals: json_primitives.cpp.
#include "edgelm/json_input.h"
#include "sample/grammar/json_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "edgelm/error.h"

namespace edgelm::grammar {

namespace {

using json = nlohmann::ordered_json;
using Expr = GrammarBuilder::Expr;

constexpr int kMaxDepth = 200;
constexpr int kMaxMergeDepth = 32;
constexpr int64_t kMaxSchemaVisits = 200000;  // sub-schemas converted, in all
constexpr size_t kMaxMergedNodes = 50000;      // JSON nodes in one merged schema

// JSON nodes in a value, counting no further than `limit`.
size_t count_nodes(const json& root, size_t limit) {
  size_t n = 0;
  std::vector<const json*> todo{&root};
  while (!todo.empty() && n <= limit) {
    const json* v = todo.back();
    todo.pop_back();
    ++n;
    if (v->is_structured())
      for (const json& child : *v) todo.push_back(&child);
  }
  return n;
}

const std::set<std::string, std::less<>> kUnsupported = {
    "not", "if", "then", "else", "dependentSchemas", "dependentRequired", "dependencies",
    "patternProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "uniqueItems",
    "contains", "minContains", "maxContains", "multipleOf", "minProperties", "maxProperties",
    "$dynamicRef", "$recursiveRef"};

// Keywords that restrict values (everything else is an annotation here).
const std::set<std::string, std::less<>> kAssertions = {
    "type", "enum", "const", "properties", "required", "additionalProperties", "items", "prefixItems",
    "additionalItems", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "anyOf", "oneOf", "allOf", "nullable", "$ref"};

bool has_assertions(const json& schema) {
  for (const auto& [k, v] : schema.items())
    if (kAssertions.count(k)) return true;
  return false;
}

std::string pointer_token(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// A readable rule name from a JSON pointer.
std::string rule_name_for(const std::string& path) {
  std::string name;
  for (char c : path) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word) name += c;
    else if (!name.empty() && name.back() != '-') name += '-';
    if (name.size() > 60) break;
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? "root" : name;
}

bool matches_type(const json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "number") return v.is_number();
  if (type == "integer")
    return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                     std::floor(v.get<double>()) == v.get<double>());
  return false;
}

std::vector<std::string> type_list(const json& t) {
  std::vector<std::string> out;
  if (t.is_string()) out.push_back(t.get<std::string>());
  if (t.is_array())
    for (const json& x : t)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

}  // namespace

JsonSchemaConverter::JsonSchemaConverter(GrammarBuilder& builder, const json& document, JsonSchemaOptions options,
                                         ValueSyntax syntax, Expr string_quote)
    : b_(builder), document_(document), options_(options), syntax_(syntax), string_quote_(string_quote) {
  if (syntax_ == ValueSyntax::kGemma4 && string_quote_ < 0) string_quote_ = b_.literal("<|\"|>");
}

void JsonSchemaConverter::fail(const std::string& path, const std::string& message) const {
  throw Error("JSON schema at " + path + ": " + message);
}

void JsonSchemaConverter::check_keywords(const json& schema, const std::string& path) const {
  if (!options_.strict) return;
  for (const auto& [k, v] : schema.items())
    if (kUnsupported.count(k)) fail(path, "unsupported keyword '" + k + "'");
}

Expr JsonSchemaConverter::root_value() { return value(document_, "#"); }

Expr JsonSchemaConverter::value(const json& schema, const std::string& path) {
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{++depth_};
  if (depth_ > kMaxDepth) fail(path, "schema nested too deeply");
  if (++visits_ > kMaxSchemaVisits) fail(path, "schema too complex (more than 200000 sub-schemas to convert)");
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) fail(path, "schema 'false' matches nothing");
    return any_value();
  }
  if (!schema.is_object()) fail(path, "a schema must be an object or a boolean");
  check_keywords(schema, path);

  if (schema.contains("nullable")) {
    if (!schema["nullable"].is_boolean()) fail(path, "'nullable' must be a boolean");
    json rest = schema;
    rest.erase("nullable");
    if (!schema["nullable"].get<bool>()) return value(rest, path);
    return b_.alt({null(), value(rest, path)});
  }
  if (schema.contains("$ref")) {
    json rest = schema;
    rest.erase("$ref");
    if (!has_assertions(rest)) return ref_value(schema, path);
    json parts = json::array({json{{"$ref", schema["$ref"]}}, rest});
    return value(merge_all_of(parts, path, 0), path);
  }
  if (schema.contains("allOf")) {
    json rest = schema;
    rest.erase("allOf");
    json parts = schema["allOf"];
    if (!parts.is_array() || parts.empty()) fail(path, "'allOf' must be a non-empty array");
    parts.push_back(rest);
    return value(merge_all_of(parts, path, 0), path);
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    if (!schema.contains(key)) continue;
    const json& branches = schema[key];
    if (!branches.is_array() || branches.empty()) fail(path, "'" + std::string(key) + "' must be a non-empty array");
    if (schema.contains("anyOf") && schema.contains("oneOf")) fail(path, "'anyOf' together with 'oneOf' is not supported");
    json rest = schema;
    rest.erase(key);
    const bool merge = has_assertions(rest);
    std::vector<Expr> options;
    for (size_t i = 0; i < branches.size(); ++i) {
      const std::string sub = path + "/" + key + "/" + std::to_string(i);
      options.push_back(merge ? value(merge_all_of(json::array({rest, branches[i]}), sub, 0), sub)
                              : value(branches[i], sub));
    }
    return b_.alt(std::move(options));
  }
  if (schema.contains("const")) return literal_value(schema["const"]);
  if (schema.contains("enum")) return enum_value(schema, path);

  if (schema.contains("type")) {
    const std::vector<std::string> types = type_list(schema["type"]);
    if (types.empty() || (schema["type"].is_array() && types.size() != schema["type"].size()))
      fail(path, "'type' must be a type name or a non-empty array of them");
    std::vector<Expr> options;
    for (const std::string& t : types) options.push_back(typed_value(schema, t, path));
    return b_.alt(std::move(options));
  }
  // No type: infer it from the keywords, or allow anything.
  if (schema.contains("properties") || schema.contains("required") || schema.contains("additionalProperties"))
    return typed_value(schema, "object", path);
  if (schema.contains("items") || schema.contains("prefixItems") || schema.contains("minItems") ||
      schema.contains("maxItems"))
    return typed_value(schema, "array", path);
  if (schema.contains("minLength") || schema.contains("maxLength") || schema.contains("pattern") ||
      schema.contains("format"))
    return typed_value(schema, "string", path);
  if (schema.contains("minimum") || schema.contains("maximum") || schema.contains("exclusiveMinimum") ||
      schema.contains("exclusiveMaximum"))
    return typed_value(schema, "number", path);
  return any_value();
}

Expr JsonSchemaConverter::typed_value(const json& schema, const std::string& type, const std::string& path) {
  if (type == "object") return object_value(schema, path);
  if (type == "array") return array_value(schema, path);
  if (type == "string") return string_value(schema, path);
  if (type == "integer") return integer_value(schema, path);
  if (type == "number") return number_value(schema, path);
  if (type == "boolean") return boolean();
  if (type == "null") return null();
  fail(path, "unknown type '" + type + "'");
}

Expr JsonSchemaConverter::enum_value(const json& schema, const std::string& path) {
  const json& values = schema["enum"];
  if (!values.is_array() || values.empty()) fail(path, "'enum' must be a non-empty array");
  const std::vector<std::string> types = schema.contains("type") ? type_list(schema["type"]) : std::vector<std::string>{};
  std::vector<Expr> options;
  for (const json& v : values) {
    const bool typed_ok = types.empty() || std::any_of(types.begin(), types.end(), [&](const std::string& t) { return matches_type(v, t); });
    if (typed_ok) options.push_back(literal_value(v));
  }
  if (options.empty()) fail(path, "no 'enum' value has the declared type");
  return b_.alt(std::move(options));
}

// ---------------------------------------------------------------------------
// References and allOf

const json& JsonSchemaConverter::resolve(const std::string& ref, const std::string& path) const {
  if (ref.empty() || ref[0] != '#') fail(path, "only local references ('#...') are supported, got '" + ref + "'");
  const json* node = &document_;
  size_t pos = 1;
  if (ref.size() > 1 && ref[1] != '/') fail(path, "unsupported reference '" + ref + "' (anchors are not supported)");
  while (pos < ref.size()) {
    const size_t next = ref.find('/', pos + 1);
    std::string token = ref.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    std::string name;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        name += token[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        name += token[i];
      }
    }
    if (node->is_object() && node->contains(name)) {
      node = &(*node)[name];
    } else if (node->is_array() && !name.empty() && name.find_first_not_of("0123456789") == std::string::npos &&
               name.size() < 9 && std::stoul(name) < node->size()) {
      node = &(*node)[std::stoul(name)];
    } else {
      fail(path, "unresolvable reference '" + ref + "'");
    }
    if (next == std::string::npos) break;
    pos = next;
  }
  return *node;
}

Expr JsonSchemaConverter::ref_value(const json& schema, const std::string& path) {
  if (!schema["$ref"].is_string()) fail(path, "'$ref' must be a string");
  const std::string ref = schema["$ref"].get<std::string>();
  auto it = ref_rules_.find(ref);
  if (it != ref_rules_.end()) return b_.ref(it->second);
  const json& target = resolve(ref, path);
  const int32_t rule = b_.add_rule(rule_name_for("ref" + ref.substr(1)));
  ref_rules_.emplace(ref, rule);
  b_.define(rule, value(target, ref));
  return b_.ref(rule);
}

// Merges the schemas of an allOf into one: properties and required are
// united (a property in both gets both schemas), types and enums are
// intersected, bounds take the tighter value; other keywords must agree.
JsonSchemaConverter::json JsonSchemaConverter::merge_all_of(const json& schemas, const std::string& path, int depth) const {
  if (depth > kMaxMergeDepth) fail(path, "'allOf' / '$ref' chain too deep (a reference cycle?)");
  json out = json::object();
  for (size_t i = 0; i < schemas.size(); ++i) {
    const std::string sub = path + "/allOf/" + std::to_string(i);
    json item = schemas[i];
    if (item.is_boolean()) {
      if (!item.get<bool>()) fail(sub, "schema 'false' matches nothing");
      continue;
    }
    if (!item.is_object()) fail(sub, "a schema must be an object or a boolean");
    check_keywords(item, sub);
    if (item.contains("$ref")) {
      if (!item["$ref"].is_string()) fail(sub, "'$ref' must be a string");
      const json& target = resolve(item["$ref"].get<std::string>(), sub);
      item.erase("$ref");
      item = merge_all_of(json::array({target, item}), sub, depth + 1);
    }
    if (item.contains("allOf")) {
      json parts = item["allOf"];
      if (!parts.is_array()) fail(sub, "'allOf' must be an array");
      item.erase("allOf");
      parts.push_back(item);
      item = merge_all_of(parts, sub, depth + 1);
    }
    for (const auto& [k, v] : item.items()) {
      if (!out.contains(k)) {
        out[k] = v;
      } else if (k == "properties") {
        if (!v.is_object() || !out[k].is_object()) fail(sub, "'properties' must be an object");
        for (const auto& [name, s] : v.items())
          out[k][name] = out[k].contains(name) ? json{{"allOf", json::array({out[k][name], s})}} : s;
      } else if (k == "required") {
        if (!v.is_array()) fail(sub, "'required' must be an array");
        for (const json& name : v)
          if (std::find(out[k].begin(), out[k].end(), name) == out[k].end()) out[k].push_back(name);
      } else if (k == "type") {
        std::vector<std::string> a = type_list(out[k]), both;
        for (const std::string& t : type_list(v))
          if (std::find(a.begin(), a.end(), t) != a.end()) both.push_back(t);
        if (both.empty()) fail(sub, "'allOf' members have no type in common");
        out[k] = both.size() == 1 ? json(both[0]) : json(both);
      } else if (k == "enum") {
        json both = json::array();
        for (const json& x : v)
          if (out[k].is_array() && std::find(out[k].begin(), out[k].end(), x) != out[k].end()) both.push_back(x);
        if (both.empty()) fail(sub, "'allOf' members have no enum value in common");
        out[k] = both;
      } else if ((k == "minimum" || k == "minLength" || k == "minItems" || k == "exclusiveMinimum") && v.is_number() &&
                 out[k].is_number()) {
        if (v.get<double>() > out[k].get<double>()) out[k] = v;
      } else if ((k == "maximum" || k == "maxLength" || k == "maxItems" || k == "exclusiveMaximum") && v.is_number() &&
                 out[k].is_number()) {
        if (v.get<double>() < out[k].get<double>()) out[k] = v;
      } else if (k == "additionalProperties" || k == "items") {
        if (v.is_boolean() && !v.get<bool>()) out[k] = false;
        else if (!(out[k].is_boolean() && !out[k].get<bool>()) && out[k] != v) out[k] = json{{"allOf", json::array({out[k], v})}};
      } else if (out[k] != v && kAssertions.count(k)) {
        fail(sub, "'allOf' members disagree on '" + k + "'");
      }
    }
  }
  // Merging inlines referenced schemas; recursive ones can grow without end.
  if (count_nodes(out, kMaxMergedNodes) > kMaxMergedNodes)
    fail(path, "'allOf' / '$ref' merge grows too large (a recursive reference beside other keywords?)");
  return out;
}

// ---------------------------------------------------------------------------
// Objects: the members in a fixed order; optional ones may be left out. The
// rule for "members from i on, given whether one was written already" is
// built back to front so that commas land only between members.

Expr JsonSchemaConverter::object_value(const json& schema, const std::string& path) {
  static const json kEmpty = json::object();
  const json& props = schema.contains("properties") ? schema["properties"] : kEmpty;
  if (!props.is_object()) fail(path, "'properties' must be an object");
  std::vector<std::string> required;
  if (schema.contains("required")) {
    if (!schema["required"].is_array()) fail(path, "'required' must be an array of strings");
    for (const json& r : schema["required"]) {
      if (!r.is_string()) fail(path, "'required' must be an array of strings");
      required.push_back(r.get<std::string>());
    }
  }
  struct Member {
    std::string name;
    bool required;
    json schema;
  };
  std::vector<Member> members;
  for (const auto& [name, s] : props.items())
    members.push_back({name, std::find(required.begin(), required.end(), name) != required.end(), s});
  for (const std::string& r : required)
    if (!props.contains(r) && std::none_of(members.begin(), members.end(), [&](const Member& m) { return m.name == r; }))
      members.push_back({r, true, json(true)});
  if (options_.key_order == KeyOrder::kSorted)  // as Jinja's dictsort: ignoring case first
    std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) {
      auto lower = [](std::string s) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
      };
      const std::string la = lower(a.name), lb = lower(b.name);
      return la != lb ? la < lb : a.name < b.name;
    });
  else
    std::stable_partition(members.begin(), members.end(), [](const Member& m) { return m.required; });

  const json additional = schema.contains("additionalProperties") ? schema["additionalProperties"]
                                                                  : json(!schema.contains("properties"));
  if (!additional.is_boolean() && !additional.is_object()) fail(path, "'additionalProperties' must be a boolean or a schema");

  const int32_t rule = b_.add_rule(rule_name_for(path));
  std::vector<Expr> member_exprs;
  std::vector<std::string> names;
  for (const Member& m : members) {
    const std::string sub = path + "/properties/" + pointer_token(m.name);
    member_exprs.push_back(b_.seq({key(m.name), punct(":"), value(m.schema, sub)}));
    names.push_back(m.name);
  }
  Expr tail_first = b_.empty(), tail_more = b_.empty();  // after the last declared member
  if (!(additional.is_boolean() && !additional.get<bool>())) {
    const Expr extra_value = additional.is_boolean() ? any_value() : value(additional, path + "/additionalProperties");
    const Expr extra = b_.seq({free_key(names), punct(":"), extra_value});
    tail_more = b_.star(b_.seq({punct(","), extra}));
    tail_first = b_.optional(b_.seq({extra, tail_more}));
  }
  Expr next_first = tail_first, next_more = tail_more;  // "from i+1 on", nothing / something written
  for (size_t i = members.size(); i-- > 0;) {
    const Expr first = b_.seq({member_exprs[i], next_more});
    const Expr more = b_.seq({punct(","), member_exprs[i], next_more});
    const int32_t rule_first = b_.add_rule(rule_name_for(path) + "-m" + std::to_string(i));
    const int32_t rule_more = b_.add_rule(rule_name_for(path) + "-c" + std::to_string(i));
    b_.define(rule_first, members[i].required ? first : b_.alt({first, next_first}));
    b_.define(rule_more, members[i].required ? more : b_.alt({more, next_more}));
    next_first = b_.ref(rule_first), next_more = b_.ref(rule_more);
  }
  b_.define(rule, b_.seq({punct("{"), next_first, punct("}")}));
  return b_.ref(rule);
}

// ---------------------------------------------------------------------------
// Arrays: the tuple prefix (prefixItems), then homogeneous items, with the
// item count between minItems and maxItems.

Expr JsonSchemaConverter::array_value(const json& schema, const std::string& path) {
  auto count = [&](const char* k, int64_t fallback) -> int64_t {
    if (!schema.contains(k)) return fallback;
    const json& v = schema[k];
    if (!v.is_number_integer() || v.get<int64_t>() < 0) fail(path, "'" + std::string(k) + "' must be a non-negative integer");
    return std::min<int64_t>(v.get<int64_t>(), GrammarBuilder::kMaxRepeat);
  };
  const int64_t min_items = count("minItems", 0);
  int64_t max_items = count("maxItems", -1);
  json prefix = json::array();
  json items = true;
  std::string items_path = path + "/items";
  if (schema.contains("prefixItems")) {
    prefix = schema["prefixItems"];
    if (!prefix.is_array()) fail(path, "'prefixItems' must be an array");
    if (schema.contains("items")) items = schema["items"];
  } else if (schema.contains("items") && schema["items"].is_array()) {
    prefix = schema["items"];
    items = schema.contains("additionalItems") ? schema["additionalItems"] : json(true);
    items_path = path + "/additionalItems";
  } else if (schema.contains("items")) {
    items = schema["items"];
  }
  if (prefix.size() > 1000) fail(path, "more than 1000 tuple items are not supported");
  const bool more_allowed = !(items.is_boolean() && !items.get<bool>());
  const int64_t n_prefix = static_cast<int64_t>(prefix.size());
  if (!more_allowed && (max_items < 0 || max_items > n_prefix)) max_items = n_prefix;
  if (max_items >= 0 && min_items > max_items) fail(path, "'minItems' is larger than the number of items allowed");

  const int32_t rule = b_.add_rule(rule_name_for(path));
  std::vector<Expr> elems;  // schemas of the prefix positions that can occur
  for (int64_t i = 0; i < n_prefix && (max_items < 0 || i < max_items); ++i)
    elems.push_back(value(prefix[i], path + "/prefixItems/" + std::to_string(i)));
  // Homogeneous part after the prefix: each item is preceded by a comma.
  Expr rest = b_.empty();
  const bool has_rest = more_allowed && (max_items < 0 || max_items > n_prefix);
  Expr item = -1;
  if (has_rest) {
    item = value(items, items_path);
    const int64_t lo = std::max<int64_t>(0, min_items - n_prefix);
    const int64_t hi = max_items < 0 ? GrammarBuilder::kUnbounded : max_items - n_prefix;
    if (n_prefix > 0) rest = b_.repeat(b_.seq({punct(","), item}), static_cast<int32_t>(lo), static_cast<int32_t>(hi));
  }
  // Build back to front: position i is required if i < minItems.
  Expr list;
  if (n_prefix == 0) {
    if (!has_rest) {
      list = b_.empty();
    } else {
      const int64_t lo = std::max<int64_t>(0, min_items - 1);
      const int32_t hi = max_items < 0 ? GrammarBuilder::kUnbounded : static_cast<int32_t>(max_items - 1);
      list = b_.seq({item, b_.repeat(b_.seq({punct(","), item}), static_cast<int32_t>(lo), hi)});
      if (min_items == 0) list = b_.optional(list);
    }
  } else {
    list = rest;
    for (size_t i = elems.size(); i-- > 0;) {
      const Expr here = i == 0 ? b_.seq({elems[i], list}) : b_.seq({punct(","), elems[i], list});
      list = static_cast<int64_t>(i) < min_items ? here : b_.optional(here);
    }
  }
  b_.define(rule, b_.seq({punct("["), list, punct("]")}));
  return b_.ref(rule);
}

Grammar json_schema_to_grammar(const json& schema, const JsonSchemaOptions& options) {
  GrammarBuilder b;
  const int32_t root = b.add_rule("root");
  JsonSchemaConverter converter(b, schema, options);
  b.define(root, converter.root_value());
  try {
    return b.build(root);
  } catch (const Error& e) {
    throw Error(std::string("JSON schema: ") + e.what());
  }
}

Grammar json_schema_to_grammar(std::string_view schema_text, const JsonSchemaOptions& options) {
  if (json_too_deep(schema_text))
    throw Error("JSON schema nests arrays and objects more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  json schema;
  try {
    schema = json::parse(schema_text);
  } catch (const std::exception& e) {
    throw Error(std::string("JSON schema is not valid JSON: ") + e.what());
  }
  return json_schema_to_grammar(schema, options);
}

}  // namespace edgelm::grammar
