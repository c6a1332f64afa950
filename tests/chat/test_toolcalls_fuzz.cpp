// Deterministic fuzzing of the tool-call parsers: mutated and truncated corpus texts, parsed
// by every family, must never throw and must give the same result streamed in random chunks
// as parsed whole.
#include <chrono>
#include <iostream>

#include "chat/json_value.h"
#include "test_toolcalls_support.h"

namespace toolcalls_test {
namespace {

// Fragments that steer mutations towards the parsers' decision points.
const std::vector<std::string> kFragments = {
    "<tool_call>", "</tool_call>", "<tool_call>\n", "<function=get_weather>\n", "<function=", "</function>",
    "<parameter=city>\n", "\n</parameter>\n", "</parameter>", "<think>\n", "</think>", "<|im_end|>", "<|endoftext|>",
    "<|tool_call>call:", "<tool_call|>", "<|\"|>", "<|channel>thought\n", "<|channel>", "<channel|>", "<turn|>",
    "<|tool_response>", "<|turn>model\n", "<eos>", "<|python_tag|>", "<|eot_id|>", "{\"name\": \"f\", \"arguments\": {",
    "{\"name\": \"f\", \"parameters\": {}}", "```\n", "\n```", "{", "}", "[", "]", ",", ":", "\"", "\\", "\n", " ", "<",
    ">", "None", "True", "1e-07", "\xff", "\xc3", ";", ".call(", "=",
};

struct Sample {
  std::string text;
  Json tools;
};

std::vector<Sample> load_samples() {
  std::vector<Sample> samples;
  for (const char* file : {"gemma4.public.jsonl", "gemma4_e2b.public.jsonl", "qwen3_5.public.jsonl",
                           "qwen3_hermes.public.jsonl", "handwritten_edge_cases.jsonl"}) {
    for (const Json& r : load_jsonl(std::string("chat/toolcalls/") + file))
      samples.push_back({r.at("model_text").get<std::string>(), r.at("tools")});
  }
  return samples;
}

std::string mutate(std::string text, const std::vector<Sample>& samples, Rng& rng) {
  const int rounds = 1 + static_cast<int>(rng.below(3));
  for (int i = 0; i < rounds; ++i) {
    const size_t at = rng.below(text.size() + 1);
    switch (rng.below(6)) {
      case 0: text.resize(at); break;  // truncate
      case 1: text.erase(at, 1 + rng.below(24)); break;
      case 2: text.insert(at, text.substr(rng.below(text.size() + 1), 1 + rng.below(40))); break;
      case 3: text.insert(at, kFragments[rng.below(kFragments.size())]); break;
      case 4:
        if (!text.empty()) text[rng.below(text.size())] = static_cast<char>(rng.below(256));
        break;
      case 5: {  // splice the tail of another sample
        const std::string& other = samples[rng.below(samples.size())].text;
        text = text.substr(0, at) + other.substr(rng.below(other.size() + 1));
        break;
      }
    }
  }
  return text;
}

TEST(ToolCallFuzz, StreamingMatchesWholeOnMutatedText) {
  const std::vector<Sample> samples = load_samples();
  ASSERT_FALSE(samples.empty());
  const auto start = std::chrono::steady_clock::now();
  Rng rng(20260115);
  constexpr int kInputs = 20000;
  int failures = 0;
  for (int i = 0; i < kInputs && failures < 5; ++i) {
    const Sample& sample = samples[rng.below(samples.size())];
    const std::string text = mutate(sample.text, samples, rng);
    tc::ParseOptions options;
    options.family = static_cast<tc::Family>(rng.below(4));
    native(options.tools) = rng.below(4) == 0 ? Json() : sample.tools;
    options.prompt_ends_inside_reasoning = rng.below(4) == 0;
    options.parse_tool_calls = rng.below(8) != 0;

    tc::ParseResult whole;
    ASSERT_NO_THROW(whole = tc::parse(text, options)) << "input " << i << ": " << Json(text).dump(-1, ' ', true, Json::error_handler_t::replace);
    const size_t max_chunk = 1 + rng.below(12);
    const tc::ParseResult streamed = parse_streaming(text, options, [&] { return 1 + rng.below(max_chunk); });
    if (!same_result(whole, streamed)) {
      ++failures;
      ADD_FAILURE() << "input " << i << " (family " << tc::family_name(options.family) << ", in_reasoning "
                    << options.prompt_ends_inside_reasoning << ") streamed differently\n text: "
                    << Json(text).dump(-1, ' ', true, Json::error_handler_t::replace) << "\n whole:    " << describe(whole)
                    << "\n streamed: " << describe(streamed);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ fuzz     ] " << kInputs << " mutated inputs in " << seconds << " s\n";
}

}  // namespace
}  // namespace toolcalls_test
