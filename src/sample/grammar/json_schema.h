// JSON Schema -> grammar, for structured output and tool-call arguments.
//
// The subset follows llama.cpp's json-schema-to-grammar (docs/FORMATS.md §5.8),
// with these differences and details:
//   type (and type lists), properties, required, additionalProperties
//     (false / true / schema; when absent: no extra keys if "properties" is
//     given, any object otherwise), enum, const, items, prefixItems (and
//     array-form items with additionalItems), minItems, maxItems, anyOf,
//     oneOf (as anyOf), allOf (merged: properties, required, bounds, types
//     and enums intersected; conflicting other keywords are an error),
//     $ref to "#", "#/$defs/...", "#/definitions/..." or any local JSON
//     pointer (recursion allowed), nullable (OpenAPI).
//   Strings: minLength/maxLength (code points), pattern (see regex.h; JSON
//     Schema search semantics: unanchored ends match any text), format date,
//     time, date-time (RFC 3339, leap years exact), uuid, email (dot-atom
//     local part @ hostname with a dot); other formats are annotations and
//     ignored. pattern/format together with length bounds is an error.
//   Integers: minimum/maximum/exclusiveMinimum/exclusiveMaximum exact (also
//     draft-4 boolean exclusive*), at most 16 digits.
//   Numbers: bounds are rounded inward to integers (minimum 0.5 acts as 1)
//     and then enforced exactly; a bounded number has no exponent. Without
//     bounds: up to 16 integer digits, 16 fraction digits, 2 exponent digits.
//   Key order is fixed: required properties in declaration order, then the
//     optional ones (each may be left out), then additional keys — or sorted
//     by name ignoring case (KeyOrder::kSorted, the order Gemma 4 templates
//     render with Jinja's dictsort).
//   enum/const are emitted verbatim (compact JSON); other keywords of the
//     same schema are not applied to them.
//   Whitespace: kCompact (none) or kLimited, llama.cpp's rule after each
//     value and punctuation: nothing, one space, or one or two newlines and
//     up to 20 spaces or tabs.
//   Additional (free) keys may repeat, as in llama.cpp.
// Unsupported assertion keywords (not, if/then/else, patternProperties,
// propertyNames, uniqueItems, contains, multipleOf, min/maxProperties,
// dependent*, unevaluated*) are an error in strict mode and ignored
// otherwise; annotations and unknown keywords are ignored. Invalid schemas
// throw edgelm::Error naming the JSON pointer of the offending schema.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sample/grammar/grammar.h"

namespace edgelm::grammar {

enum class JsonWhitespace { kCompact, kLimited };
enum class KeyOrder { kRequiredFirst, kSorted };

struct JsonSchemaOptions {
  JsonWhitespace whitespace = JsonWhitespace::kLimited;
  bool strict = true;
  KeyOrder key_order = KeyOrder::kRequiredFirst;
};

Grammar json_schema_to_grammar(const nlohmann::ordered_json& schema, const JsonSchemaOptions& options = {});
Grammar json_schema_to_grammar(std::string_view schema_text, const JsonSchemaOptions& options = {});

// How values are written. Gemma 4 tool calls write {key:value,...} with bare
// keys, strings between <|"|> markers (raw text, no escapes) and no spaces.
enum class ValueSyntax { kJson, kGemma4 };

// Adds the rules for one schema document to a builder. Primitive rules
// (string, number, any value, ...) are shared by name between converters on
// the same builder, so several tools' schemas make one grammar.
class JsonSchemaConverter {
 public:
  using Expr = GrammarBuilder::Expr;
  // For kGemma4, `string_quote` spells the <|"|> marker (a special token or
  // its text).
  JsonSchemaConverter(GrammarBuilder& builder, const nlohmann::ordered_json& document, JsonSchemaOptions options,
                      ValueSyntax syntax = ValueSyntax::kJson, Expr string_quote = -1);

  // The value grammar of the whole document (followed by whitespace in JSON).
  Expr root_value();
  // Value of a sub-schema; `path` is its JSON pointer, for names and errors.
  Expr value(const nlohmann::ordered_json& schema, const std::string& path);
  Expr whitespace();
  // `text` as a JSON string, followed by whitespace.
  Expr quoted(std::string_view text);
  // A literal JSON value in this syntax (followed by whitespace in JSON).
  Expr literal_value(const nlohmann::ordered_json& value);
  // Any string content excluding `marker` (raw text, for Gemma 4 strings and
  // XML-style parameters). The marker must not overlap itself.
  Expr text_without(std::string_view marker);

 private:
  using json = nlohmann::ordered_json;
  [[noreturn]] void fail(const std::string& path, const std::string& message) const;
  void check_keywords(const json& schema, const std::string& path) const;
  Expr shared(const std::string& name, const std::function<Expr()>& body);
  Expr punct(std::string_view text);

  Expr typed_value(const json& schema, const std::string& type, const std::string& path);
  Expr ref_value(const json& schema, const std::string& path);
  Expr object_value(const json& schema, const std::string& path);
  Expr array_value(const json& schema, const std::string& path);
  Expr string_value(const json& schema, const std::string& path);
  Expr integer_value(const json& schema, const std::string& path);
  Expr number_value(const json& schema, const std::string& path);
  Expr enum_value(const json& schema, const std::string& path);
  Expr any_value();
  Expr any_object();
  Expr any_array();
  Expr any_string();
  Expr any_number();
  Expr any_integer();
  Expr boolean();
  Expr null();
  Expr string_char();
  Expr json_chars(const CodepointSet& set);
  Expr key(const std::string& name);  // a declared property name (and whitespace)
  Expr free_key(const std::vector<std::string>& excluded);
  Expr pattern_string(const std::string& pattern, const std::string& path);
  Expr quote();

  const json& resolve(const std::string& ref, const std::string& path) const;
  json merge_all_of(const json& schemas, const std::string& path, int depth) const;

  GrammarBuilder& b_;
  const json& document_;
  JsonSchemaOptions options_;
  ValueSyntax syntax_;
  Expr string_quote_;
  int depth_ = 0;
  int64_t visits_ = 0;
  std::map<std::string, int32_t> ref_rules_;
  std::map<CodepointSet, Expr> json_chars_;
};

}  // namespace edgelm::grammar
