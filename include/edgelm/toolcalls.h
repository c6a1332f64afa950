// Parsing of model output into visible content, reasoning and tool calls.
//
// One parser per output format family (docs/FORMATS.md §4.2–4.4):
//   gemma4  <|tool_call>call:NAME{key:value,…}<tool_call|> with <|"|> string quoting,
//           reasoning in <|channel>thought … <channel|>
//   qwen35  Qwen3.5 / Qwen3-Coder XML: <tool_call><function=NAME><parameter=ARG>…
//   qwen3   Qwen3 / Hermes JSON: <tool_call>{"name": …, "arguments": {…}}</tool_call>
//   llama3  Llama 3.x JSON: {"name": …, "parameters": {…}} (optionally after <|python_tag|>)
// The Qwen families put reasoning in <think> … </think>.
//
// The same state machine serves whole replies (parse) and token streams (StreamParser):
// parse(text) is exactly StreamParser fed `text` in one chunk, and the final result of a
// stream does not depend on how the text was chunked. Markers, and text that might still
// turn out to be the start of a marker, are never emitted as content.
//
// Policy: every well-formed call is recovered; a truncated or malformed call yields no
// call, its raw text stays in the content and a diagnostic is recorded; markers inside
// fenced code blocks, prose mentions of markers and calls written inside reasoning are
// plain text. Content and reasoning are trimmed of surrounding whitespace.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgelm/chat.h"
#include "edgelm/json.h"

namespace edgelm::toolcalls {

enum class Family { Gemma4, Qwen35, Qwen3, Llama3 };

// Accepts gemma4 (gemma4_e2b), qwen35 (qwen3_5, qwen3_coder), qwen3 (qwen3_hermes, hermes),
// llama3. Throws edgelm::Error for anything else.
Family family_from_name(std::string_view name);
const char* family_name(Family family);
// The parser for output of a chat template's family; none for families
// without a tool-call syntax edgelm reads (Gemma 2/3, unknown templates).
std::optional<Family> family_for_template(chat::Family template_family);

struct ToolCall {
  std::string name;
  Json arguments;  // always an object, keys in the order the model wrote them
};

struct ParseResult {
  std::string content;
  std::optional<std::string> reasoning;  // absent when the model produced no (non-empty) reasoning
  std::vector<ToolCall> tool_calls;
  // Machine-readable notes, in order of occurrence:
  //   incomplete_tool_call          output ended inside a call (no call emitted)
  //   malformed_tool_call           a call that cannot be read (no call emitted)
  //   missing_closing_tool_call_tag a complete call without its closing tag (call emitted)
  //   unknown_tool:NAME, unknown_parameter:ARG   not declared in the request's tools
  //   argument_type_mismatch:ARG    a text value that does not convert to its schema type
  //   ambiguous                     a value holding its own closing tag, a key with spaces
  //   quoted_keys, json_style_arguments, unquoted_string:ARG           (Gemma 4 leniencies)
  //   multiple_objects_in_block, array_in_block, parameters_key_used,
  //   arguments_key_used, arguments_double_encoded                     (JSON leniencies)
  //   python_tag_code               Llama <|python_tag|> followed by code, kept as content
  //   unopened_reasoning_close      a reasoning end marker without a block (dropped)
  //   text_after_end_marker         text after the end-of-turn marker (ignored)
  std::vector<std::string> diagnostics;

  // {"content", "reasoning", "tool_calls": [{"name", "arguments"}]} (+ "diagnostics").
  Json to_json(bool with_diagnostics = false) const;
};

struct ParseOptions {
  Family family = Family::Qwen3;
  // The request's tools in OpenAI form ([{"type":"function","function":{name, parameters}}]);
  // null or empty when there are none. Parameter schemas type the values that a format
  // writes as plain text (Qwen XML parameters).
  Json tools;
  // True when the generation prompt opened a reasoning block (Qwen "<think>\n",
  // Gemma "<|channel>thought\n"): the output then starts inside reasoning.
  bool prompt_ends_inside_reasoning = false;
  // False leaves tool-call markup as plain content (requests without tools).
  bool parse_tool_calls = true;
};

// Whether a generation prompt (the text the template appended for add_generation_prompt)
// leaves the model inside an open reasoning block.
bool prompt_opens_reasoning(Family family, std::string_view generation_prompt);

// One piece of streamed output. A tool call is announced only once it is complete and
// valid: ToolCallStart (text = name) followed by ToolCallArguments (text = JSON object).
struct Delta {
  enum class Kind { Content, Reasoning, ToolCallStart, ToolCallArguments };
  Kind kind = Kind::Content;
  std::string text;
  size_t tool_index = 0;  // for the tool-call kinds: index into ParseResult::tool_calls
};

class StreamParser {
 public:
  explicit StreamParser(ParseOptions options);
  ~StreamParser();
  StreamParser(StreamParser&&) noexcept;
  StreamParser& operator=(StreamParser&&) noexcept;

  // Feed the next piece of generated text; returns what became certain because of it.
  std::vector<Delta> feed(std::string_view chunk);
  // End of generation: decides everything still held back. Feeding afterwards throws.
  std::vector<Delta> finish();
  // Everything emitted so far (complete after finish()).
  const ParseResult& result() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Non-streaming parse of a complete reply (identical to one feed() plus finish()).
ParseResult parse(std::string_view text, const ParseOptions& options);

}  // namespace edgelm::toolcalls
