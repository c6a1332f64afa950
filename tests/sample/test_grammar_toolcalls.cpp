// Tool-call grammars against the chat module's parsers: sampled calls under
// each family's grammar must parse into calls of declared tools whose
// arguments validate against the tool's schema.
#include <gtest/gtest.h>

#include "chat/json_value.h"
#include "edgelm/toolcalls.h"
#include "grammar_test_util.h"
#include "json_schema_validator.h"
#include "sample/grammar/tool_calls.h"

namespace edgelm::testing {
namespace {

using namespace grammar;
using json = nlohmann::ordered_json;

const json& tools() {
  static const json t = json::parse(R"([
    {"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{
      "city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},
      "days":{"type":"integer","minimum":1,"maximum":7}},"required":["city"]}}},
    {"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{
      "query":{"type":"string","maxLength":20},"limit":{"type":"integer","minimum":1,"maximum":50},
      "exact":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string","maxLength":8},"maxItems":3}},
      "required":["query"]}}},
    {"type":"function","function":{"name":"noargs","parameters":{"type":"object","properties":{}}}}])");
  return t;
}

const json* schema_of(const std::string& name) {
  for (const json& t : tools())
    if (t["function"]["name"] == name) return &t["function"]["parameters"];
  return nullptr;
}

void check_family(ToolCallFormat format, toolcalls::Family family, const std::string& vocab_name, int seeds) {
  const Tokenizer& tok = shared_tokenizer(vocab_name);
  ToolCallGrammarOptions options;
  options.format = format;
  options.max_calls = format == ToolCallFormat::kLlama3 ? 1 : 2;
  auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(tool_call_grammar(tools(), options, &tok)),
                                                shared_vocabulary(vocab_name));
  toolcalls::ParseOptions parse_options;
  parse_options.family = family;
  parse_options.tools = wrap(tools());
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(seed);
    GrammarMatcher m(engine);
    const Sampled s = sample_completion(m, *shared_vocabulary(vocab_name), rng, 600, &tok);
    ASSERT_TRUE(s.terminated) << s.text;
    const toolcalls::ParseResult r = toolcalls::parse(s.text, parse_options);
    ASSERT_GE(r.tool_calls.size(), 1u) << s.text;
    for (const toolcalls::ToolCall& call : r.tool_calls) {
      const json* schema = schema_of(call.name);
      ASSERT_NE(schema, nullptr) << call.name;
      EXPECT_EQ(validate_json(native(call.arguments), *schema), "") << s.text;
    }
  }
}

TEST(ToolCallParseTest, Qwen3Hermes) { check_family(ToolCallFormat::kQwen3, toolcalls::Family::Qwen3, "qwen3", 30); }
TEST(ToolCallParseTest, Qwen35Xml) { check_family(ToolCallFormat::kQwen35, toolcalls::Family::Qwen35, "qwen3", 30); }
TEST(ToolCallParseTest, Llama3) { check_family(ToolCallFormat::kLlama3, toolcalls::Family::Llama3, "qwen3", 30); }
TEST(ToolCallParseTest, Gemma4) { check_family(ToolCallFormat::kGemma4, toolcalls::Family::Gemma4, "gemma4", 30); }

}  // namespace
}  // namespace edgelm::testing
