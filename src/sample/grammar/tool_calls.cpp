#include "sample/grammar/tool_calls.h"

#include <optional>

#include "edgelm/error.h"
#include "sample/grammar/regex.h"
#include "tokenizer/tokenizer.h"

namespace edgelm::grammar {

namespace {

using json = nlohmann::ordered_json;
using Expr = GrammarBuilder::Expr;

struct Tool {
  std::string name;
  json parameters;
};

std::vector<Tool> read_tools(const json& tools, const std::string& only) {
  if (!tools.is_array() || tools.empty()) throw Error("tool-call grammar: 'tools' must be a non-empty array");
  std::vector<Tool> out;
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string where = "tools[" + std::to_string(i) + "]";
    const json& t = tools[i];
    if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") || !t["function"].is_object())
      throw Error("tool-call grammar: " + where + " must be {\"type\": \"function\", \"function\": {...}}");
    const json& f = t["function"];
    if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
      throw Error("tool-call grammar: " + where + ".function.name must be a non-empty string");
    Tool tool{f["name"].get<std::string>(), f.contains("parameters") ? f["parameters"] : json::object()};
    if (!tool.parameters.is_object()) throw Error("tool-call grammar: " + where + ".function.parameters must be an object");
    // Arguments are always an object; an empty schema means "no arguments".
    if (!tool.parameters.contains("type")) tool.parameters["type"] = "object";
    if (!tool.parameters.contains("properties") && !tool.parameters.contains("additionalProperties"))
      tool.parameters["properties"] = json::object();
    if (only.empty() || tool.name == only) out.push_back(std::move(tool));
  }
  if (out.empty()) throw Error("tool-call grammar: tool_choice names an unknown tool '" + only + "'");
  return out;
}

// Qwen 3.5 writes string parameters raw; find out whether a schema is one.
const json* resolve_local(const json& document, const json& schema) {
  const json* s = &schema;
  for (int hops = 0; hops < 16 && s->is_object() && s->contains("$ref") && (*s)["$ref"].is_string(); ++hops) {
    const std::string ref = (*s)["$ref"].get<std::string>();
    if (ref.rfind("#/", 0) != 0) return s;
    const json* node = &document;
    size_t pos = 2;
    while (node && pos <= ref.size()) {
      const size_t next = std::min(ref.find('/', pos), ref.size());
      const std::string key = ref.substr(pos, next - pos);
      node = node->is_object() && node->contains(key) ? &(*node)[key] : nullptr;
      pos = next + 1;
    }
    if (!node) return s;
    s = node;
  }
  return s;
}

bool is_string_schema(const json& document, const json& schema, int depth = 0) {
  const json& s = *resolve_local(document, schema);
  if (!s.is_object() || depth > 16) return false;
  if (s.contains("enum") && s["enum"].is_array() && !s["enum"].empty()) {
    for (const json& v : s["enum"])
      if (!v.is_string()) return false;
    return true;
  }
  if (s.contains("const")) return s["const"].is_string();
  for (const char* k : {"anyOf", "oneOf"})
    if (s.contains(k) && s[k].is_array() && !s[k].empty()) {
      for (const json& branch : s[k])
        if (!is_string_schema(document, branch, depth + 1)) return false;
      return true;
    }
  return s.contains("type") && s["type"] == "string";
}

class ToolGrammarBuilder {
 public:
  ToolGrammarBuilder(const ToolCallGrammarOptions& options, const Tokenizer* tokenizer)
      : options_(options), tokenizer_(tokenizer) {}

  Grammar build(const json& tools) {
    if (options_.max_calls < 1 || options_.max_calls > 64) throw Error("tool-call grammar: max_calls must be 1..64");
    std::vector<Expr> calls;
    for (const Tool& tool : read_tools(tools, options_.only_tool)) {
      const int32_t rule = b_.add_rule("call-" + tool.name);
      b_.define(rule, call(tool));
      calls.push_back(b_.ref(rule));
    }
    const Expr one = b_.alt(std::move(calls));
    const int32_t max = options_.format == ToolCallFormat::kLlama3 ? 1 : options_.max_calls;
    const Expr separator = options_.format == ToolCallFormat::kGemma4 ? b_.empty() : b_.literal("\n");
    const int32_t root = b_.add_rule("root");
    b_.define(root, b_.seq({one, b_.repeat(b_.seq({separator, one}), 0, max - 1)}));
    try {
      return b_.build(root);
    } catch (const Error& e) {
      throw Error(std::string("tool-call grammar: ") + e.what());
    }
  }

 private:
  const ToolCallGrammarOptions& options_;
  const Tokenizer* tokenizer_;
  GrammarBuilder b_;

  // A marker: its single token when the vocabulary has one, else its text.
  Expr marker(std::string_view text) {
    if (tokenizer_)
      if (std::optional<int32_t> id = tokenizer_->find_token(text)) return b_.token(*id);
    return b_.literal(text);
  }

  JsonSchemaOptions schema_options(KeyOrder order) const {
    JsonSchemaOptions o;
    o.whitespace = options_.whitespace;
    o.strict = options_.strict;
    o.key_order = order;
    return o;
  }

  Expr call(const Tool& tool) {
    const std::string where = "tool '" + tool.name + "': ";
    try {
      switch (options_.format) {
        case ToolCallFormat::kGemma4: {
          JsonSchemaConverter args(b_, tool.parameters, schema_options(KeyOrder::kSorted), ValueSyntax::kGemma4,
                                   marker("<|\"|>"));
          return b_.seq({marker("<|tool_call>"), b_.literal("call:" + tool.name), args.root_value(),
                         marker("<tool_call|>")});
        }
        case ToolCallFormat::kQwen35:
          return b_.seq({marker("<tool_call>"), b_.literal("\n<function=" + tool.name + ">\n"), xml_parameters(tool),
                         b_.literal("</function>\n"), marker("</tool_call>")});
        case ToolCallFormat::kQwen3: {
          JsonSchemaConverter args(b_, tool.parameters, schema_options(KeyOrder::kRequiredFirst));
          return b_.seq({marker("<tool_call>"), b_.literal("\n{\"name\": " + json(tool.name).dump() + ", \"arguments\": "),
                         args.root_value(), b_.literal("}\n"), marker("</tool_call>")});
        }
        case ToolCallFormat::kLlama3: {
          JsonSchemaConverter args(b_, tool.parameters, schema_options(KeyOrder::kRequiredFirst));
          return b_.seq({b_.literal("{\"name\": " + json(tool.name).dump() + ", \"parameters\": "), args.root_value(),
                         b_.literal("}")});
        }
      }
    } catch (const Error& e) {
      throw Error(where + e.what());
    }
    throw Error(where + "unknown format");
  }

  // Qwen 3.5 parameters: required ones in declaration order, then the
  // optional ones, each "<parameter=KEY>\nVALUE\n</parameter>\n".
  Expr xml_parameters(const Tool& tool) {
    JsonSchemaConverter json_values(b_, tool.parameters, schema_options(KeyOrder::kRequiredFirst));
    const json& schema = tool.parameters;
    if (!schema.contains("properties") || !schema["properties"].is_object()) return b_.empty();
    std::vector<std::string> required;
    if (schema.contains("required") && schema["required"].is_array())
      for (const json& r : schema["required"])
        if (r.is_string()) required.push_back(r.get<std::string>());
    std::vector<Expr> mandatory, optional;
    for (const auto& [name, sub] : schema["properties"].items()) {
      const std::string path = "#/properties/" + name;
      const Expr value = is_string_schema(schema, sub) ? raw_string(json_values, schema, sub, path)
                                                       : json_values.value(sub, path);
      const Expr param = b_.seq({b_.literal("<parameter=" + name + ">\n"), value, b_.literal("\n</parameter>\n")});
      const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
      (is_required ? mandatory : optional).push_back(is_required ? param : b_.optional(param));
    }
    mandatory.insert(mandatory.end(), optional.begin(), optional.end());
    return b_.seq(std::move(mandatory));
  }

  // A raw (unquoted) string value: enum/const values verbatim, counted text,
  // a pattern as raw characters, otherwise any text without the closing tag.
  Expr raw_string(JsonSchemaConverter& converter, const json& document, const json& schema, const std::string& path) {
    // The same order of keywords as is_string_schema, which vouched for them.
    const json& s = *resolve_local(document, schema);
    std::vector<Expr> options;
    if (s.contains("enum") && s["enum"].is_array() && !s["enum"].empty()) {
      for (const json& v : s["enum"]) options.push_back(b_.literal(v.get<std::string>()));
      return b_.alt(std::move(options));
    }
    if (s.contains("const")) return b_.literal(s["const"].get<std::string>());
    for (const char* k : {"anyOf", "oneOf"})
      if (s.contains(k) && s[k].is_array() && !s[k].empty()) {
        for (const json& branch : s[k]) options.push_back(raw_string(converter, document, branch, path));
        return b_.alt(std::move(options));
      }
    if (s.contains("minLength") || s.contains("maxLength")) {
      // Counted raw text leaves out '\n' so that it cannot contain the closing tag.
      auto bound = [&](const char* k, int64_t fallback) {
        if (!s.contains(k)) return fallback;
        if (!s[k].is_number_integer() || s[k].get<int64_t>() < 0 || s[k].get<int64_t>() > GrammarBuilder::kMaxRepeat)
          throw Error("JSON schema at " + path + ": bad '" + k + "'");
        return s[k].get<int64_t>();
      };
      const int64_t min = bound("minLength", 0), max = bound("maxLength", GrammarBuilder::kUnbounded);
      if (max >= 0 && min > max) throw Error("JSON schema at " + path + ": 'minLength' is larger than 'maxLength'");
      return b_.repeat(b_.chars(CodepointSet::all().minus(CodepointSet::single('\n'))), static_cast<int32_t>(min),
                       static_cast<int32_t>(max));
    }
    if (s.contains("pattern") && s["pattern"].is_string()) {
      try {
        return regex_to_expr(b_, s["pattern"].get<std::string>(), [this](const CodepointSet& set) { return b_.chars(set); });
      } catch (const Error& e) {
        throw Error("JSON schema at " + path + ": " + e.what());
      }
    }
    return converter.text_without("\n</parameter>");
  }
};

}  // namespace

ToolCallFormat tool_call_format_from_name(std::string_view name) {
  if (name == "gemma4") return ToolCallFormat::kGemma4;
  if (name == "qwen35" || name == "qwen3_5" || name == "qwen3_coder") return ToolCallFormat::kQwen35;
  if (name == "qwen3" || name == "hermes" || name == "qwen3_hermes") return ToolCallFormat::kQwen3;
  if (name == "llama3") return ToolCallFormat::kLlama3;
  throw Error("unknown tool-call format '" + std::string(name) + "' (expected gemma4, qwen35, qwen3 or llama3)");
}

Grammar tool_call_grammar(const json& tools, const ToolCallGrammarOptions& options, const Tokenizer* tokenizer) {
  return ToolGrammarBuilder(options, tokenizer).build(tools);
}

}  // namespace edgelm::grammar
