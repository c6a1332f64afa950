// Acceptance: sample under each schema with random logits over real
// vocabularies until the grammar ends; every output must parse as JSON and
// validate against its schema with the independent validator.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "grammar_test_util.h"
#include "json_schema_validator.h"
#include "sample/grammar/json_schema.h"

namespace edgelm::testing {
namespace {

using namespace grammar;
using json = nlohmann::ordered_json;

const char* const kSchemas[] = {
    // 0 nested objects
    R"({"type":"object","properties":{"name":{"type":"string"},"address":{"type":"object","properties":{
       "street":{"type":"string","maxLength":12},"zip":{"type":"string","pattern":"^[0-9]{5}$"},
       "geo":{"type":"object","properties":{"lat":{"type":"number"},"lon":{"type":"number"}},"required":["lat","lon"]}},
       "required":["street","geo"]},"active":{"type":"boolean"}},"required":["name","address"]})",
    // 1 arrays with bounds
    R"({"type":"array","items":{"type":"array","items":{"type":"integer","minimum":-5,"maximum":5},"minItems":1,
       "maxItems":3},"minItems":2,"maxItems":4})",
    // 2 enums and consts
    R"({"type":"object","properties":{"color":{"enum":["red","green","blue"]},"size":{"enum":[1,2.5,null,"x",[1,2]]},
       "version":{"const":"v1"}},"required":["color","size","version"]})",
    // 3 anyOf with mixed branches
    R"({"type":"array","items":{"anyOf":[{"type":"string","maxLength":3},{"type":"integer","minimum":0,"maximum":9},
       {"type":"object","properties":{"k":{"type":"boolean"}},"required":["k"]},{"type":"null"}]},"maxItems":5})",
    // 4 recursive $ref
    R"({"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array",
       "items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["value"]}},"$ref":"#/$defs/node"})",
    // 5 string length bounds
    R"({"type":"object","properties":{"code":{"type":"string","minLength":2,"maxLength":5},
       "note":{"type":"string","maxLength":10},"long":{"type":"string","minLength":8}},"required":["code","long"]})",
    // 6 patterns
    R"({"type":"object","properties":{"phone":{"type":"string","pattern":"^\\+?[0-9]{3}-[0-9]{3,4}$"},
       "slug":{"type":"string","pattern":"^[a-z]+(-[a-z]+)*$"},"contains":{"type":"string","pattern":"ab+c"},
       "hex":{"type":"string","pattern":"^#[0-9a-fA-F]{6}$"},"any":{"type":"string","pattern":"^.{2,4}\\s\\w\\d$"}},
       "required":["phone","slug","contains","hex","any"]})",
    // 7 integer and number bounds
    R"({"type":"object","properties":{"a":{"type":"integer","minimum":100,"maximum":12345},
       "b":{"type":"integer","exclusiveMinimum":-50,"exclusiveMaximum":-3},"c":{"type":"integer","minimum":0},
       "d":{"type":"number","minimum":-2.5,"maximum":3},"e":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1}},
       "required":["a","b","c","d","e"]})",
    // 8 formats
    R"({"type":"object","properties":{"day":{"type":"string","format":"date"},"at":{"type":"string","format":"time"},
       "ts":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"},
       "mail":{"type":"string","format":"email"}},"required":["day","at","ts","id","mail"]})",
    // 9 additional properties
    R"({"type":"object","properties":{"id":{"type":"integer"},"tag":{"type":"string"}},
       "additionalProperties":{"type":"string","maxLength":4}})",
    // 10 tuples, allOf, oneOf, nullable, type lists
    R"({"type":"object","properties":{"pair":{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"},
       {"type":"boolean"}],"items":false,"minItems":1},"both":{"allOf":[{"type":"object","properties":{"a":{"type":"string"}},
       "required":["a"]},{"properties":{"b":{"type":"number"}},"required":["b"]}]},"switch":{"oneOf":[{"type":"string",
       "enum":["on","off"]},{"type":"integer","minimum":0,"maximum":100}]},"maybe":{"type":["string","null"]},
       "opt":{"type":"integer","nullable":true}},"required":["pair","both","switch","maybe","opt"]})",
    // 11 anything
    R"({})",
    // 12 an OpenAI strict tool schema
    R"({"type":"object","properties":{"query":{"type":"string"},"filters":{"type":"array","items":{"type":"object",
       "properties":{"field":{"type":"string","enum":["date","author","lang"]},"op":{"type":"string","enum":["eq","lt","gt"]},
       "value":{"anyOf":[{"type":"string"},{"type":"number"}]}},"required":["field","op","value"],"additionalProperties":false}},
       "limit":{"type":["integer","null"],"minimum":1,"maximum":50}},"required":["query","filters","limit"],
       "additionalProperties":false})",
};

struct RunResult {
  int outputs = 0;
  size_t tokens = 0;
  double seconds = 0;
};

RunResult run_schema(int index, const std::string& vocab_name, int seeds) {
  const json schema = json::parse(kSchemas[index]);
  JsonSchemaOptions options;
  options.whitespace = index % 2 ? JsonWhitespace::kCompact : JsonWhitespace::kLimited;
  auto g = std::make_shared<Grammar>(json_schema_to_grammar(schema, options));
  auto vocab = shared_vocabulary(vocab_name);
  auto engine = std::make_shared<GrammarEngine>(g, vocab);
  RunResult r;
  const auto start = std::chrono::steady_clock::now();
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(seed * 1000003ull + index);
    GrammarMatcher m(engine);
    const Sampled s = sample_completion(m, *vocab, rng, 600);
    r.tokens += s.tokens.size();
    if (std::getenv("EDGELM_GRAMMAR_DUMP")) std::printf("schema %d seed %d: %s\n", index, seed, s.text.c_str());
    EXPECT_TRUE(s.terminated) << "schema " << index << " seed " << seed << " did not finish: " << s.text;
    json value;
    std::string error;
    if (!parse_json_strict(s.text, value, error)) {
      ADD_FAILURE() << "schema " << index << " seed " << seed << " (" << vocab_name << "): not JSON (" << error
                    << "): " << s.text;
      continue;
    }
    const std::string problem = validate_json(value, schema);
    EXPECT_EQ(problem, "") << "schema " << index << " seed " << seed << " (" << vocab_name << "): " << s.text;
    ++r.outputs;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

void run_all(const std::string& vocab_name, int seeds) {
  for (int i = 0; i < static_cast<int>(std::size(kSchemas)); ++i) {
    const RunResult r = run_schema(i, vocab_name, seeds);
    EXPECT_EQ(r.outputs, seeds) << "schema " << i;
    std::printf("  %s schema %2d: %d valid outputs, %zu tokens, %.2f s\n", vocab_name.c_str(), i, r.outputs, r.tokens,
                r.seconds);
  }
}

TEST(GrammarAcceptanceTest, Qwen3Vocabulary) { run_all("qwen3", 100); }
TEST(GrammarAcceptanceTest, Gemma3Vocabulary) { run_all("gemma3", 100); }

// 1000 seeds per schema: run with --gtest_also_run_disabled_tests.
TEST(GrammarAcceptanceTest, DISABLED_LongQwen3Vocabulary) { run_all("qwen3", 1000); }
TEST(GrammarAcceptanceTest, DISABLED_LongGemma3Vocabulary) { run_all("gemma3", 1000); }

}  // namespace
}  // namespace edgelm::testing
