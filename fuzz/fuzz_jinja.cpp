// libFuzzer harness for the Jinja template engine: any input must parse and
// render, or raise edgelm::jinja::Error; nothing else (ASan/UBSan reports,
// other exceptions, timeouts, allocations over -malloc_limit_mb) is allowed.
//
// Input: template source, optionally followed by "\n\x00\n" and a JSON object
// of render variables (so the fuzzer can vary data as well as templates).
// Without variables a fixed chat conversation with tools is used.
// Build and run with fuzz/fuzz_jinja.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chat/jinja/jinja.h"

namespace {

const nlohmann::ordered_json& default_vars() {
  static const nlohmann::ordered_json vars = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": " Hi \u00e9 "}, {"type": "image"}]},
      {"role": "assistant", "content": "<think>\nhm\n</think>\n\nok", "reasoning_content": "r",
       "tool_calls": [{"id": "c1", "type": "function",
                       "function": {"name": "f", "arguments": {"b": [1, 2.5, null, true], "A": {"x": "y"}}}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "{\"ok\": 1}"},
      {"role": "user", "content": null}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
      "parameters": {"type": "object", "properties": {"b": {"type": "array", "items": {"type": "number"}},
                                                      "A": {"type": "object", "nullable": true}},
                     "required": ["b"]}}}],
    "documents": null,
    "add_generation_prompt": true,
    "enable_thinking": false,
    "bos_token": "<bos>",
    "eos_token": "<eos>"
  })");
  return vars;
}

edgelm::jinja::Limits fuzz_limits() {
  edgelm::jinja::Limits l;
  l.max_source_bytes = 1u << 20;
  l.max_steps = 200000;
  l.max_work_bytes = 32u << 20;
  l.max_output_bytes = 4u << 20;
  l.max_string_bytes = 4u << 20;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view separator("\n\x00\n", 3);
  const size_t split = input.find(separator);
  const std::string_view source = input.substr(0, split);
  nlohmann::ordered_json vars = default_vars();
  if (split != std::string_view::npos) {
    auto parsed = nlohmann::ordered_json::parse(input.substr(split + separator.size()), nullptr, false);
    if (parsed.is_object()) vars = std::move(parsed);
  }
  try {
    const edgelm::jinja::Template tmpl(source, fuzz_limits());
    const std::tm clock{};
    volatile size_t sink = tmpl.render(vars, [clock] { return clock; }).size();
    (void)sink;
  } catch (const edgelm::jinja::Error&) {
    // rejected cleanly
  }
  return 0;
}
