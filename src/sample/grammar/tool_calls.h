// Grammars that force well-formed tool calls (tool_choice "required" or a
// named tool), with arguments valid against each tool's JSON schema.
//
//   gemma4  <|tool_call>call:NAME{key:value,...}<tool_call|>   keys sorted,
//           strings as <|"|>text<|"|> (docs/FORMATS.md §4.2); calls back to back
//   qwen35  <tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n
//           ...</function>\n</tool_call>   string values raw, others JSON
//           (§4.3); calls separated by "\n"
//   qwen3   <tool_call>\n{"name": "NAME", "arguments": {...}}\n</tool_call>
//           (Hermes, §4.4); calls separated by "\n"
//   llama3  {"name": "NAME", "parameters": {...}}   (one call, §4.4)
//
// With a tokenizer, each marker that is a single token of its vocabulary
// (e.g. Gemma 4's <|tool_call>, a control token with no text of its own) is
// matched as that token; otherwise as its text. The grammar ends after the
// last call, so the model's end-of-generation token is allowed there.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sample/grammar/grammar.h"
#include "sample/grammar/json_schema.h"

namespace edgelm {
class Tokenizer;
}

namespace edgelm::grammar {

enum class ToolCallFormat { kGemma4, kQwen35, kQwen3, kLlama3 };

// gemma4, qwen35 (qwen3_5, qwen3_coder), qwen3 (hermes), llama3.
ToolCallFormat tool_call_format_from_name(std::string_view name);

struct ToolCallGrammarOptions {
  ToolCallFormat format = ToolCallFormat::kQwen3;
  std::string only_tool;   // a named tool_choice: only this function
  int32_t max_calls = 1;   // more than one: parallel calls (not llama3)
  JsonWhitespace whitespace = JsonWhitespace::kCompact;  // inside JSON values
  bool strict = true;      // unsupported schema keywords are errors
};

// `tools` is the OpenAI list [{"type":"function","function":{"name",
// "parameters"}}]. Throws edgelm::Error naming the offending tool.
Grammar tool_call_grammar(const nlohmann::ordered_json& tools, const ToolCallGrammarOptions& options,
                          const Tokenizer* tokenizer = nullptr);

}  // namespace edgelm::grammar
