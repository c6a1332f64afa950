// Round trips of the reference corpora (../shared/chat/toolcalls/*.public.jsonl): every record
// must parse to its expected calls, content and reasoning, as a whole reply and streamed in
// several chunkings. Plus the streaming contract and the `edgelm toolcalls` command.
#include <iostream>
#include <sstream>

#include "chat/json_value.h"
#include "cli/commands.h"
#include "edgelm/error.h"
#include "test_toolcalls_support.h"

namespace toolcalls_test {
namespace {

// Python's str() of a scalar, which is how the Qwen template writes a parameter value.
std::string python_str(const Json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  if (value.is_null()) return "None";
  return value.dump();  // integers; floats in shortest round-trip form ("5.0", "9.81", "1e-07")
}

// The expected calls as a schema-respecting parser can recover them. The Qwen XML writes
// every value as text, and BFCL ground truth sometimes holds a number or boolean for a
// parameter whose schema says "string" (Java/JavaScript functions, see the records' notes).
// For those the text (str(value)) is all the output carries, so it is what must come back.
Json expected_calls(const Json& record) {
  Json calls = record.at("expected_tool_calls");
  if (record_family(record) != tc::Family::Qwen35) return calls;
  for (Json& call : calls) {
    for (const Json& tool : record.at("tools")) {
      const Json& fn = tool.at("function");
      if (fn.at("name") != call.at("name")) continue;
      const Json& props = fn.at("parameters").at("properties");
      for (auto& [key, value] : call.at("arguments").items()) {
        const bool string_typed = props.contains(key) && props[key].value("type", "") == "string";
        if (string_typed && !value.is_string() && !value.is_structured()) value = python_str(value);
      }
    }
  }
  return calls;
}

tc::ParseOptions record_options(const Json& record) {
  tc::ParseOptions options;
  options.family = record_family(record);
  native(options.tools) = record.at("tools");
  options.prompt_ends_inside_reasoning = tc::prompt_opens_reasoning(options.family, record.at("gen_prompt").get<std::string>());
  return options;
}

// Empty string when `result` is what the record expects, else what differs.
std::string mismatch(const Json& record, const tc::ParseResult& result) {
  // Gemma writes keys sorted; the expectations keep the original order, so compare as sets.
  const bool ordered = record_family(record) != tc::Family::Gemma4;
  std::string why;
  if (!strict_equal(calls_json(result.tool_calls), expected_calls(record), ordered)) why += " calls";
  if (result.content != record.at("expected_content").get<std::string>()) why += " content";
  const Json& reasoning = record.at("expected_reasoning");
  if (result.reasoning != (reasoning.is_null() ? std::nullopt : std::optional<std::string>(reasoning.get<std::string>())))
    why += " reasoning";
  if (!result.diagnostics.empty()) why += " diagnostics";
  return why;
}

void check_corpus(const std::string& file) {
  const std::vector<Json> records = load_jsonl("chat/toolcalls/" + file);
  ASSERT_FALSE(records.empty());
  size_t passed = 0;
  for (const Json& record : records) {
    const std::string id = record.at("id").get<std::string>();
    const std::string text = record.at("model_text").get<std::string>();
    const tc::ParseOptions options = record_options(record);
    const tc::ParseResult whole = tc::parse(text, options);
    const std::string why = mismatch(record, whole);
    EXPECT_EQ(why, "") << id << "\n got: " << describe(whole) << "\n text: " << text;

    Rng rng(std::hash<std::string>{}(id));
    bool streams_agree = true;
    for (size_t size : {1, 2, 3, 7}) {
      const tc::ParseResult streamed = parse_in_chunks_of(text, options, size);
      streams_agree = streams_agree && same_result(whole, streamed);
      EXPECT_TRUE(same_result(whole, streamed)) << id << " chunk " << size << ": " << describe(streamed);
    }
    for (int trial = 0; trial < 3; ++trial) {
      const tc::ParseResult streamed = parse_streaming(text, options, [&] { return 1 + rng.below(16); });
      streams_agree = streams_agree && same_result(whole, streamed);
      EXPECT_TRUE(same_result(whole, streamed)) << id << " random chunks: " << describe(streamed);
    }
    if (why.empty() && streams_agree) ++passed;
  }
  std::cout << "[ corpus   ] " << file << ": " << passed << "/" << records.size() << " records pass (whole + 7 chunkings)\n";
  EXPECT_EQ(passed, records.size());
}

TEST(ToolCallCorpus, Gemma4) { check_corpus("gemma4.public.jsonl"); }
TEST(ToolCallCorpus, Gemma4E2B) { check_corpus("gemma4_e2b.public.jsonl"); }
TEST(ToolCallCorpus, Qwen35) { check_corpus("qwen3_5.public.jsonl"); }
TEST(ToolCallCorpus, Qwen3Hermes) { check_corpus("qwen3_hermes.public.jsonl"); }

// ---- Streaming contract -------------------------------------------------------------------

tc::ParseOptions options_for(tc::Family family, bool in_reasoning = false) {
  tc::ParseOptions options;
  options.family = family;
  options.prompt_ends_inside_reasoning = in_reasoning;
  return options;
}

std::string content_of(const std::vector<tc::Delta>& deltas) {
  std::string text;
  for (const tc::Delta& d : deltas)
    if (d.kind == tc::Delta::Kind::Content) text += d.text;
  return text;
}

TEST(ToolCallStream, HoldsBackPossibleMarkerPrefix) {
  tc::StreamParser parser(options_for(tc::Family::Qwen3));
  EXPECT_EQ(content_of(parser.feed("Let me check.<tool_")), "Let me check.");
  EXPECT_EQ(content_of(parser.feed("call>\n{\"name\": \"f\", \"arguments\": {}}")), "");
  std::vector<tc::Delta> deltas = parser.feed("\n</tool_call>");
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0].kind, tc::Delta::Kind::ToolCallStart);
  EXPECT_EQ(deltas[0].text, "f");
  EXPECT_EQ(deltas[1].kind, tc::Delta::Kind::ToolCallArguments);
  EXPECT_EQ(deltas[1].text, "{}");
  parser.feed("<|im_");
  parser.feed("end|>");
  parser.finish();
  EXPECT_EQ(parser.result().content, "Let me check.");
  EXPECT_TRUE(parser.result().diagnostics.empty());
}

TEST(ToolCallStream, ReleasesTextThatIsNotAMarker) {
  tc::StreamParser parser(options_for(tc::Family::Qwen35));
  EXPECT_EQ(content_of(parser.feed("a <")), "a");
  EXPECT_EQ(content_of(parser.feed("b> c")), " <b> c");
  EXPECT_EQ(content_of(parser.finish()), "");
  EXPECT_EQ(parser.result().content, "a <b> c");
}

TEST(ToolCallStream, ReasoningThenContent) {
  tc::StreamParser parser(options_for(tc::Family::Qwen35, /*in_reasoning=*/true));
  std::vector<tc::Delta> deltas = parser.feed("Thinking hard.\n</thi");
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(deltas[0].kind, tc::Delta::Kind::Reasoning);
  EXPECT_EQ(deltas[0].text, "Thinking hard.");
  EXPECT_EQ(content_of(parser.feed("nk>\n\nHello")), "Hello");
  parser.finish();
  EXPECT_EQ(parser.result().reasoning, "Thinking hard.");
  EXPECT_EQ(parser.result().content, "Hello");
}

TEST(ToolCallStream, TruncatedCallBecomesContentAtFinish) {
  tc::StreamParser parser(options_for(tc::Family::Gemma4));
  EXPECT_EQ(content_of(parser.feed("<|tool_call>call:f{a:<|\"|>x")), "");
  EXPECT_EQ(content_of(parser.finish()), "<|tool_call>call:f{a:<|\"|>x");
  EXPECT_EQ(parser.result().diagnostics, std::vector<std::string>{"incomplete_tool_call"});
}

TEST(ToolCallStream, FeedAfterFinishThrows) {
  tc::StreamParser parser(options_for(tc::Family::Llama3));
  parser.finish();
  EXPECT_THROW(parser.feed("x"), edgelm::Error);
}

// Long calls must not cost quadratic time when streamed token by token (an open call is
// rescanned from its start). These finish in well under a second; a quadratic parser would not.
TEST(ToolCallStream, LongCallsAndLongTextStayCheap) {
  const std::string big(1 << 20, 'x');
  const std::vector<std::pair<tc::Family, std::string>> cases = {
      {tc::Family::Qwen35, "<tool_call>\n<function=write>\n<parameter=body>\n" + big + "\n</parameter>\n</function>\n</tool_call><|im_end|>"},
      {tc::Family::Qwen3, "<tool_call>\n{\"name\": \"write\", \"arguments\": {\"body\": \"" + big + "\"}}\n</tool_call>"},
      {tc::Family::Gemma4, "<|tool_call>call:write{body:<|\"|>" + big + "<|\"|>}<tool_call|><|tool_response>"},
      {tc::Family::Llama3, "Plain text " + big + "<|eot_id|>"},
  };
  for (const auto& [family, text] : cases) {
    const tc::ParseResult r = parse_in_chunks_of(text, options_for(family), 3);
    if (family == tc::Family::Llama3) {
      EXPECT_EQ(r.content.size(), big.size() + 11);
    } else {
      ASSERT_EQ(r.tool_calls.size(), 1u) << tc::family_name(family);
      EXPECT_EQ(native(r.tool_calls[0].arguments)["body"].get<std::string>().size(), big.size());
    }
  }
}

TEST(ToolCallApi, FamilyNames) {
  EXPECT_EQ(tc::family_from_name("gemma4_e2b"), tc::Family::Gemma4);
  EXPECT_EQ(tc::family_from_name("qwen3_coder"), tc::Family::Qwen35);
  EXPECT_EQ(tc::family_from_name("qwen3_hermes"), tc::Family::Qwen3);
  EXPECT_THROW(tc::family_from_name("mistral"), edgelm::Error);
}

TEST(ToolCallApi, GenerationPromptOpensReasoning) {
  EXPECT_TRUE(tc::prompt_opens_reasoning(tc::Family::Qwen35, "<|im_start|>assistant\n<think>\n"));
  EXPECT_FALSE(tc::prompt_opens_reasoning(tc::Family::Qwen35, "<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  EXPECT_TRUE(tc::prompt_opens_reasoning(tc::Family::Gemma4, "<|channel>thought\n"));
  EXPECT_FALSE(tc::prompt_opens_reasoning(tc::Family::Gemma4, "<|turn>model\n<|channel>thought\n<channel|>"));
}

TEST(ToolCallApi, BadToolsAreRejected) {
  tc::ParseOptions options = options_for(tc::Family::Qwen3);
  native(options.tools) = Json::object();
  EXPECT_THROW(tc::parse("x", options), edgelm::Error);
  native(options.tools) = Json::array({Json{{"type", "function"}}});
  EXPECT_THROW(tc::parse("x", options), edgelm::Error);
}

TEST(ToolCallLlama3, JsonCall) {
  const tc::ParseResult r = tc::parse(
      "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}<|eot_id|>", options_for(tc::Family::Llama3));
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "get_weather");
  EXPECT_EQ(native(r.tool_calls[0].arguments).dump(), R"({"city":"Paris","days":3})");
  EXPECT_EQ(r.content, "");
}

TEST(ToolCallLlama3, PythonTagAndSeveralCalls) {
  const tc::ParseResult r = tc::parse("<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}<|eom_id|>",
                                      options_for(tc::Family::Llama3));
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[1].name, "b");
  EXPECT_EQ(r.content, "");
}

TEST(ToolCallLlama3, BuiltinToolSyntax) {
  const tc::ParseResult r = tc::parse("<|python_tag|>brave_search.call(query=\"weather in Paris\", n=3)<|eom_id|>",
                                      options_for(tc::Family::Llama3));
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "brave_search");
  EXPECT_EQ(native(r.tool_calls[0].arguments).dump(), R"({"query":"weather in Paris","n":3})");
}

TEST(ToolCallLlama3, JsonAnswerIsContent) {
  const tc::ParseResult r = tc::parse("{\"answer\": 42}<|eot_id|>", options_for(tc::Family::Llama3));
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "{\"answer\": 42}");
  EXPECT_TRUE(r.diagnostics.empty());
  const tc::ParseResult late = tc::parse("Sure: {\"name\": \"a\", \"parameters\": {}}", options_for(tc::Family::Llama3));
  EXPECT_TRUE(late.tool_calls.empty());
}

TEST(ToolCallApi, ToolParsingCanBeOff) {
  tc::ParseOptions options = options_for(tc::Family::Qwen3);
  options.parse_tool_calls = false;
  const tc::ParseResult r = tc::parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", options);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>");
}

// ---- CLI ----------------------------------------------------------------------------------

// Runs `edgelm toolcalls ARGS` with `input` on stdin; returns stdout.
std::string run_cli(std::vector<std::string> args, const std::string& input, int& status) {
  args.insert(args.begin(), "toolcalls");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::istringstream in(input);
  std::ostringstream out;
  std::streambuf* old_in = std::cin.rdbuf(in.rdbuf());
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  try {
    status = edgelm::cli::cmd_toolcalls(static_cast<int>(argv.size()), argv.data());
  } catch (...) {
    std::cin.rdbuf(old_in);
    std::cout.rdbuf(old_out);
    throw;
  }
  std::cin.rdbuf(old_in);
  std::cout.rdbuf(old_out);
  return out.str();
}

TEST(ToolCallCli, PrintsContentReasoningAndCalls) {
  const std::vector<Json> records = load_jsonl("chat/toolcalls/qwen3_5.public.jsonl");
  ASSERT_FALSE(records.empty());
  const Json& record = records.front();
  const std::string tools_path = ::testing::TempDir() + "toolcalls_cli_tools.json";
  std::ofstream(tools_path) << record.dump();
  for (const char* chunk : {"0", "1", "5"}) {
    int status = -1;
    const std::string out = run_cli({"--family", "qwen35", "--tools", tools_path, "--generation-prompt",
                                     record["gen_prompt"].get<std::string>(), "--stream-chunk", chunk},
                                    record["model_text"].get<std::string>(), status);
    EXPECT_EQ(status, 0);
    const Json printed = Json::parse(out);
    EXPECT_EQ(printed["content"], record["expected_content"]);
    EXPECT_EQ(printed["reasoning"], record["expected_reasoning"]);
    EXPECT_TRUE(strict_equal(printed["tool_calls"], expected_calls(record), true)) << out;
    EXPECT_FALSE(printed.contains("diagnostics"));
  }
}

TEST(ToolCallCli, DiagnosticsAndErrors) {
  int status = -1;
  const std::string out = run_cli({"--family", "gemma4", "--diagnostics"}, "<|tool_call>call:f{a:1", status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(Json::parse(out)["diagnostics"], Json::array({"incomplete_tool_call"}));
  EXPECT_THROW(run_cli({"--family", "gpt"}, "", status), edgelm::Error);
  EXPECT_THROW(run_cli({"--family", "qwen3", "--tools", "/nonexistent/tools.json"}, "", status), edgelm::Error);
}

}  // namespace
}  // namespace toolcalls_test
