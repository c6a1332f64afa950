// JSON schema -> grammar: which texts each keyword lets through.
#include <gtest/gtest.h>

#include "edgelm/error.h"
#include "grammar_test_util.h"
#include "json_schema_validator.h"
#include "sample/grammar/json_schema.h"

namespace edgelm::testing {
namespace {

using grammar::Grammar;
using grammar::JsonSchemaOptions;
using grammar::JsonWhitespace;
using json = nlohmann::ordered_json;

Grammar compile(const std::string& schema, JsonWhitespace ws = JsonWhitespace::kCompact) {
  JsonSchemaOptions options;
  options.whitespace = ws;
  return grammar::json_schema_to_grammar(std::string_view(schema), options);
}

void expect_texts(const std::string& schema, std::initializer_list<const char*> good,
                  std::initializer_list<const char*> bad) {
  const Grammar g = compile(schema);
  for (const char* t : good) EXPECT_TRUE(grammar_accepts(g, t)) << schema << " should accept " << t;
  for (const char* t : bad) EXPECT_FALSE(grammar_accepts(g, t)) << schema << " should reject " << t;
}

TEST(JsonSchemaTest, ObjectsKeepRequiredFirstAndAllowOmittingOptional) {
  const std::string schema = R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},
      "c":{"type":"boolean"}},"required":["c","a"]})";
  expect_texts(schema, {R"({"a":1,"c":true})", R"({"a":1,"c":false,"b":"x"})"},
               {R"({"c":true,"a":1})", R"({"a":1})", R"({"a":1,"c":true,"d":1})", R"({"a":1,"c":true,})"});
  expect_texts(R"({"type":"object","properties":{"x":{"const":1},"y":{"const":2},"z":{"const":3}}})",
               {"{}", R"({"x":1})", R"({"y":2})", R"({"x":1,"z":3})", R"({"x":1,"y":2,"z":3})"},
               {R"({,"y":2})", R"({"y":2,"x":1})", R"({"x":1,})"});
}

TEST(JsonSchemaTest, AdditionalProperties) {
  expect_texts(R"({"type":"object"})", {"{}", R"({"any":[1,{"x":null}]})"}, {"[]"});
  expect_texts(R"({"type":"object","properties":{"id":{"type":"integer"}},"additionalProperties":{"type":"string"}})",
               {R"({"id":1,"name":"x"})", R"({"i":"x"})", R"({"idx":"y","ids":"z"})", "{}"},
               {R"({"id":1,"name":2})", R"({"id":"x"})", R"({"id":1,"id":"x"})"});
  expect_texts(R"({"properties":{"a":{"type":"null"}},"additionalProperties":true})", {R"({"a":null,"b":[true]})"},
               {R"({"b":1,"a":null})"});
}

TEST(JsonSchemaTest, EnumsConstsAndTypeLists) {
  expect_texts(R"({"enum":["red",1,2.5,null,{"k":[true]}]})", {R"("red")", "1", "2.5", "null", R"({"k":[true]})"},
               {R"("blue")", "2", R"({"k":[false]})"});
  expect_texts(R"({"type":["string","null"],"maxLength":2})", {R"("ab")", "null"}, {R"("abc")", "1"});
  expect_texts(R"({"type":"integer","nullable":true})", {"12", "null"}, {"1.5"});
  expect_texts(R"({"type":"string","enum":["a",1]})", {R"("a")"}, {"1"});
}

TEST(JsonSchemaTest, Arrays) {
  expect_texts(R"({"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3})", {"[1,2]", "[1,2,3]"},
               {"[]", "[1]", "[1,2,3,4]", "[1,]"});
  expect_texts(R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false})",
               {"[]", R"(["a"])", R"(["a",1])"}, {R"(["a",1,2])", R"([1])"});
  expect_texts(R"({"type":"array","prefixItems":[{"const":0}],"items":{"type":"boolean"},"minItems":2})",
               {"[0,true]", "[0,true,false]"}, {"[0]", "[0,1]"});
  expect_texts(R"({"type":"array","maxItems":0})", {"[]"}, {"[1]"});
}

TEST(JsonSchemaTest, AnyOfAllOfAndRefs) {
  expect_texts(R"({"anyOf":[{"type":"integer","minimum":5},{"type":"string","maxLength":1}]})", {"7", R"("x")"},
               {"3", R"("xy")"});
  expect_texts(R"({"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
                 {"properties":{"b":{"type":"integer"}},"required":["b"]}]})",
               {R"({"a":"x","b":1})"}, {R"({"a":"x"})", R"({"b":1,"a":"x"})"});
  expect_texts(R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
                 "kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v"]}},"$ref":"#/$defs/node"})",
               {R"({"v":1})", R"({"v":1,"kids":[{"v":2,"kids":[{"v":3}]},{"v":4}]})"}, {R"({"v":1,"kids":[{}]})"});
  expect_texts(R"({"definitions":{"a~b/c":{"const":"ok"}},"properties":{"p":{"$ref":"#/definitions/a~0b~1c"}}})",
               {R"({"p":"ok"})"}, {R"({"p":"no"})"});
  // $ref with sibling constraints is merged with its target.
  expect_texts(R"({"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2})", {R"("ab")"}, {R"("abc")"});
}

TEST(JsonSchemaTest, StringLengthsCountCharacters) {
  expect_texts(R"({"type":"string","minLength":2,"maxLength":3})",
               {R"("ab")", "\"\xC3\xA9\xC3\xA9\"", R"("\n\u00e9x")", R"("\ud83d\ude00a")"},
               {R"("a")", R"("abcd")", R"("\ud83d")", "\"a\x01\""});
}

TEST(JsonSchemaTest, Patterns) {
  expect_texts(R"({"type":"string","pattern":"^[a-z]+(-[a-z]+)*$"})", {R"("ab-cd")"}, {R"("ab-")", R"("Ab")"});
  expect_texts(R"({"type":"string","pattern":"ab"})", {R"("ab")", R"("xxabyy")"}, {R"("a b")"});  // unanchored
  expect_texts(R"({"type":"string","pattern":"^\\d{3}\"\\\\.?$"})", {R"("123\"\\")", R"("123\"\\x")"}, {R"("12\"\\")"});
  expect_texts(R"({"type":"string","pattern":"^(?:a|b)+?[^a-c\\s]{2}$"})", {R"("abzz")", "\"a\\u0000!\""}, {R"("ab z")"});
}

TEST(JsonSchemaTest, Formats) {
  const Grammar date = compile(R"({"type":"string","format":"date"})");
  for (const char* d : {"2024-02-29", "2000-02-29", "1999-12-31", "0000-02-29", "2023-04-30"})
    EXPECT_TRUE(grammar_accepts(date, std::string("\"") + d + "\"")) << d;
  for (const char* d : {"2023-02-29", "1900-02-29", "2023-04-31", "2023-13-01", "2023-00-10", "2023-1-01"})
    EXPECT_FALSE(grammar_accepts(date, std::string("\"") + d + "\"")) << d;
  expect_texts(R"({"format":"date-time"})", {R"("2024-01-02T03:04:05Z")", R"("2024-01-02T23:59:59.123+05:30")"},
               {R"("2024-01-02 03:04:05Z")", R"("2024-01-02T24:00:00Z")"});
  expect_texts(R"({"format":"uuid"})", {R"("123e4567-e89b-12d3-a456-426614174000")"}, {R"("123e4567e89b12d3")"});
  expect_texts(R"({"format":"email"})", {R"("a.b+c@example.co")"}, {R"("a..b@example.co")", R"("a@b")", R"("@x.y")"});
  expect_texts(R"({"type":"string","format":"uri"})", {R"("anything")"}, {});  // annotation only
}

TEST(JsonSchemaTest, IntegerBoundsAreExact) {
  const std::pair<int, int> ranges[] = {{-120, 57}, {0, 0}, {7, 1234}, {-1000, -999}, {95, 105}, {-9, 9}};
  for (const auto& [lo, hi] : ranges) {
    const Grammar g = compile(R"({"type":"integer","minimum":)" + std::to_string(lo) + R"(,"maximum":)" + std::to_string(hi) + "}");
    for (int v = lo - 30; v <= hi + 30; ++v) EXPECT_EQ(grammar_accepts(g, std::to_string(v)), v >= lo && v <= hi) << v;
    EXPECT_FALSE(grammar_accepts(g, "-0"));
    EXPECT_FALSE(grammar_accepts(g, "0" + std::to_string(std::max(lo, 1))));
  }
  expect_texts(R"({"type":"integer","exclusiveMinimum":2,"exclusiveMaximum":5})", {"3", "4"}, {"2", "5"});
  expect_texts(R"({"type":"integer","minimum":1.5,"maximum":3.9})", {"2", "3"}, {"1", "4"});
  expect_texts(R"({"type":"integer","minimum":5,"exclusiveMinimum":true})", {"6"}, {"5"});
  expect_texts(R"({"type":"integer","minimum":10})", {"10", "9999999999999999"}, {"9", "-1"});
}

TEST(JsonSchemaTest, NumberBoundsInteger) {
  expect_texts(R"({"type":"number","minimum":-2,"maximum":3})", {"-2", "-1.5", "0", "2.999", "3", "3.000"},
               {"-2.5", "3.001", "4", "1e2"});
  expect_texts(R"({"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1})", {"0.5", "0.001"}, {"0", "0.0", "1", "-0.5"});
  expect_texts(R"({"type":"number","exclusiveMaximum":0})", {"-0.1", "-7"}, {"0", "-0", "-0.0"});
  expect_texts(R"({"type":"number","minimum":0.5})", {"1", "2.25"}, {"0.75", "0"});  // rounded inward
  expect_texts(R"({"type":"number"})", {"0", "-1.25e-7", "3E+10"}, {"01", "1.", ".5", "1e123"});
}

TEST(JsonSchemaTest, WhitespacePolicies) {
  const std::string schema = R"({"type":"object","properties":{"a":{"type":"array","items":{"type":"integer"}}}})";
  const Grammar limited = compile(schema, JsonWhitespace::kLimited);
  EXPECT_TRUE(grammar_accepts(limited, "{ \"a\" : [ 1 ,\n  2 ] }\n\n\t"));
  EXPECT_FALSE(grammar_accepts(limited, "{  \"a\":[]}"));                       // at most one space
  EXPECT_FALSE(grammar_accepts(limited, "{\n" + std::string(21, ' ') + "}"));  // at most 20 indents
  const Grammar compact = compile(schema, JsonWhitespace::kCompact);
  EXPECT_TRUE(grammar_accepts(compact, R"({"a":[1,2]})"));
  EXPECT_FALSE(grammar_accepts(compact, R"({"a": [1,2]})"));
}

struct BadSchema {
  const char* schema;
  const char* message;
};

TEST(JsonSchemaTest, ErrorsNameTheSchemaPath) {
  const BadSchema cases[] = {
      {R"({"type":"strin"})", "JSON schema at #: unknown type 'strin'"},
      {R"({"properties":{"a":{"type":5}}})", "at #/properties/a: 'type' must be"},
      {R"({"properties":{"a/b":{"not":{}}}})", "at #/properties/a~1b: unsupported keyword 'not'"},
      {R"({"type":"array","items":{"uniqueItems":true}})", "at #/items: unsupported keyword 'uniqueItems'"},
      {R"({"$ref":"#/$defs/missing"})", "unresolvable reference '#/$defs/missing'"},
      {R"({"$ref":"http://x/y.json"})", "only local references"},
      {R"({"type":"string","minLength":3,"maxLength":2})", "'minLength' is larger than 'maxLength'"},
      {R"({"type":"integer","minimum":5,"maximum":4})", "no integer satisfies"},
      {R"({"type":"string","pattern":"(a)\\1"})", "back-references are not supported"},
      {R"({"type":"string","pattern":"^a$b"})", "anchors are supported only"},
      {R"({"enum":[]})", "'enum' must be a non-empty array"},
      {R"({"type":"array","minItems":3,"maxItems":1})", "'minItems' is larger"},
      {R"({"anyOf":{}})", "'anyOf' must be a non-empty array"},
      {R"({"allOf":[{"type":"string"},{"type":"integer"}]})", "no type in common"},
      {R"(false)", "matches nothing"},
      {R"({"properties":{"a":{"type":"string","pattern":"x","maxLength":3}}})", "not supported"},
      {R"({"$defs":{"a":{"type":"object","properties":{"x":{"$ref":"#/$defs/a"}},"required":["x"]}},"$ref":"#/$defs/a"})",
       "can never finish"},
      {R"({"type":"object",)", "not valid JSON"},
  };
  for (const BadSchema& c : cases) {
    try {
      compile(c.schema);
      ADD_FAILURE() << "accepted: " << c.schema;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.schema << " -> " << e.what();
    }
  }
}

// Hostile schemas end with an error: a deeply nested enum value (copied and
// printed recursively by the JSON library) and a pattern of stacked
// repetitions (lowered recursively).
TEST(JsonSchemaTest, DeepInputsAreRefused) {
  const int n = 200000;
  const std::string deep_enum = "{\"enum\": [" + std::string(n, '[') + std::string(n, ']') + "]}";
  EXPECT_THROW(compile(deep_enum), Error);
  std::string stacked = "{\"type\": \"string\", \"pattern\": \"^a";
  for (int i = 0; i < 100000; i++) stacked += "{0,1}";
  EXPECT_THROW(compile(stacked + "$\"}"), Error);
  EXPECT_NO_THROW(compile("{\"enum\": [" + std::string(100, '[') + std::string(100, ']') + "]}"));
}

TEST(JsonSchemaTest, NonStrictModeIgnoresUnsupportedKeywords) {
  JsonSchemaOptions options;
  options.strict = false;
  const Grammar g = grammar::json_schema_to_grammar(std::string_view(R"({"type":"integer","multipleOf":3})"), options);
  EXPECT_TRUE(grammar_accepts(g, "4"));
}

TEST(JsonSchemaTest, ValidatorFormatChecks) {
  EXPECT_TRUE(is_date("2024-02-29"));
  EXPECT_FALSE(is_date("2100-02-29"));
  EXPECT_TRUE(is_time("10:00:00.5-03:00"));
  EXPECT_FALSE(is_time("10:00"));
  EXPECT_TRUE(is_email("x@y.z"));
  EXPECT_FALSE(is_email("x.@y.z"));
  json out;
  std::string error;
  EXPECT_FALSE(parse_json_strict(R"({"a":1,"a":2})", out, error));
  EXPECT_TRUE(parse_json_strict(R"({"a":{"a":1}})", out, error));
}

}  // namespace
}  // namespace edgelm::testing
