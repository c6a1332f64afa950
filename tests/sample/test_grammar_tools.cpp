// Tool-call grammars: the exact syntax of each family, markers as special
// tokens, and errors.
#include <gtest/gtest.h>

#include "edgelm/error.h"
#include "grammar_test_util.h"
#include "sample/grammar/tool_calls.h"

namespace edgelm::testing {
namespace {

using namespace grammar;
using json = nlohmann::ordered_json;

const json& weather_tools() {
  static const json tools = json::parse(R"([
    {"type":"function","function":{"name":"get_weather","description":"Weather for a city.",
     "parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string",
     "enum":["celsius","fahrenheit"]},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["city"]}}},
    {"type":"function","function":{"name":"noargs","description":"No arguments."}}])");
  return tools;
}

Grammar tools_grammar(ToolCallFormat format, int max_calls = 1, const std::string& only = "") {
  ToolCallGrammarOptions options;
  options.format = format;
  options.max_calls = max_calls;
  options.only_tool = only;
  return tool_call_grammar(weather_tools(), options);
}

TEST(ToolCallGrammarTest, Qwen3Hermes) {
  const Grammar g = tools_grammar(ToolCallFormat::kQwen3, 2);
  EXPECT_TRUE(grammar_accepts(g, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\",\"unit\":\"celsius\"}}\n</tool_call>"));
  EXPECT_TRUE(grammar_accepts(g, "<tool_call>\n{\"name\": \"noargs\", \"arguments\": {}}\n</tool_call>\n"
                                 "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Oslo\",\"days\":3}}\n</tool_call>"));
  EXPECT_FALSE(grammar_accepts(g, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"unit\":\"celsius\"}}\n</tool_call>"));
  EXPECT_FALSE(grammar_accepts(g, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"P\",\"days\":9}}\n</tool_call>"));
  EXPECT_FALSE(grammar_accepts(g, "<tool_call>\n{\"name\": \"other\", \"arguments\": {}}\n</tool_call>"));
}

TEST(ToolCallGrammarTest, Qwen35Xml) {
  const Grammar g = tools_grammar(ToolCallFormat::kQwen35);
  EXPECT_TRUE(grammar_accepts(g, "<tool_call>\n<function=get_weather>\n<parameter=city>\nSan Francisco, \"CA\"\nline 2\n"
                                 "</parameter>\n<parameter=unit>\nfahrenheit\n</parameter>\n<parameter=days>\n2\n"
                                 "</parameter>\n</function>\n</tool_call>"));
  EXPECT_TRUE(grammar_accepts(g, "<tool_call>\n<function=noargs>\n</function>\n</tool_call>"));
  EXPECT_FALSE(grammar_accepts(g, "<tool_call>\n<function=get_weather>\n<parameter=unit>\ncelsius\n</parameter>\n"
                                  "</function>\n</tool_call>"));
  EXPECT_FALSE(grammar_accepts(g, "<tool_call>\n<function=get_weather>\n<parameter=city>\nx\n</parameter>\n"
                                  "<parameter=unit>\nkelvin\n</parameter>\n</function>\n</tool_call>"));
}

TEST(ToolCallGrammarTest, Gemma4) {
  const Grammar g = tools_grammar(ToolCallFormat::kGemma4, 2);
  EXPECT_TRUE(grammar_accepts(g, "<|tool_call>call:get_weather{city:<|\"|>Paris \"x\"<|\"|>,days:3,unit:<|\"|>celsius<|\"|>}<tool_call|>"));
  EXPECT_TRUE(grammar_accepts(g, "<|tool_call>call:noargs{}<tool_call|><|tool_call>call:get_weather{city:<|\"|><|\"|>}<tool_call|>"));
  // Keys are sorted, strings cannot contain the quote marker.
  EXPECT_FALSE(grammar_accepts(g, "<|tool_call>call:get_weather{unit:<|\"|>celsius<|\"|>,city:<|\"|>Paris<|\"|>}<tool_call|>"));
  EXPECT_FALSE(grammar_accepts(g, "<|tool_call>call:get_weather{city:<|\"|>a<|\"|>b<|\"|>}<tool_call|>"));
}

TEST(ToolCallGrammarTest, Llama3AndNamedTool) {
  const Grammar g = tools_grammar(ToolCallFormat::kLlama3, 3, "get_weather");
  EXPECT_TRUE(grammar_accepts(g, "{\"name\": \"get_weather\", \"parameters\": {\"city\":\"Rome\"}}"));
  EXPECT_FALSE(grammar_accepts(g, "{\"name\": \"noargs\", \"parameters\": {}}"));
  EXPECT_FALSE(grammar_accepts(g, "{\"name\": \"get_weather\", \"parameters\": {\"city\":\"Rome\"}}\n"
                                  "{\"name\": \"get_weather\", \"parameters\": {\"city\":\"Rome\"}}"));
}

TEST(ToolCallGrammarTest, MarkersBecomeSpecialTokens) {
  const Tokenizer& tok = shared_tokenizer("gemma4");
  ToolCallGrammarOptions options;
  options.format = ToolCallFormat::kGemma4;
  auto g = std::make_shared<Grammar>(tool_call_grammar(weather_tools(), options, &tok));
  auto engine = std::make_shared<GrammarEngine>(g, shared_vocabulary("gemma4"));
  GrammarMatcher m(engine);
  std::vector<uint32_t> mask;
  m.fill_mask(mask);
  const int32_t call = *tok.find_token("<|tool_call>"), quote = *tok.find_token("<|\"|>");
  for (int32_t id = 0; id < m.n_vocab(); ++id) EXPECT_EQ(mask_bit(mask, id), id == call) << id;
  ASSERT_TRUE(m.accept(call));
  ASSERT_TRUE(m.accept_text("call:get_weather{city:"));
  m.fill_mask(mask);
  EXPECT_TRUE(mask_bit(mask, quote));
  EXPECT_FALSE(mask_bit(mask, call));
  ASSERT_TRUE(m.accept(quote));
  ASSERT_TRUE(m.accept_text("Paris"));
  ASSERT_TRUE(m.accept(quote));
  ASSERT_TRUE(m.accept_text("}"));
  ASSERT_TRUE(m.accept(*tok.find_token("<tool_call|>")));
  EXPECT_TRUE(m.is_complete());
  EXPECT_TRUE(m.accept(*tok.find_token("<|tool_response>")));  // an EOG token of Gemma 4
  EXPECT_TRUE(m.is_terminated());
}

TEST(ToolCallGrammarTest, ErrorsNameTheTool) {
  ToolCallGrammarOptions options;
  EXPECT_THROW(tool_call_grammar(json::array(), options), Error);
  try {
    tool_call_grammar(json::parse(R"([{"type":"function","function":{"name":"f","parameters":{"type":"object",
        "properties":{"x":{"type":"nope"}}}}}])"), options);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tool 'f': JSON schema at #/properties/x: unknown type 'nope'"), std::string::npos)
        << e.what();
  }
  options.only_tool = "missing";
  EXPECT_THROW(tool_call_grammar(weather_tools(), options), Error);
  EXPECT_THROW(tool_call_grammar(json::parse(R"([{"type":"function","function":{}}])"), ToolCallGrammarOptions{}), Error);
  EXPECT_THROW(tool_call_format_from_name("mistral"), Error);
  EXPECT_EQ(tool_call_format_from_name("hermes"), ToolCallFormat::kQwen3);
}

}  // namespace
}  // namespace edgelm::testing
