// Chat prompt rendering: turns messages (+ tools) into the prompt text a
// model expects, by running the model's Jinja chat template exactly the way
// Hugging Face transformers' apply_chat_template(tokenize=False) does.
//
//   edgelm::chat::ChatTemplate tmpl(source);     // parse once
//   edgelm::chat::ChatInputs in;
//   in.messages = ...;                           // JSON array of messages
//   in.kwargs = {{"add_generation_prompt", true}};
//   in.special_tokens = {{"bos_token", "<bos>"}, {"eos_token", "<eos>"}};
//   std::string prompt = tmpl.render(in);
//
// Template errors (a template's raise_exception, undefined values, type
// errors, resource limits) throw TemplateError, which keeps the exception
// class name and message the reference Python renderer would report.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgelm/edgelm.h"
#include "edgelm/error.h"
#include "edgelm/json.h"

namespace edgelm::chat {

class TemplateError : public edgelm::Error {
 public:
  TemplateError(std::string type, std::string message, int line);
  // Python/Jinja2 exception class: "TemplateError" (raise_exception),
  // "UndefinedError", "TypeError", "TemplateSyntaxError", ... or "LimitError"
  // for edgelm's own sandbox limits.
  const std::string& type() const { return type_; }
  const std::string& message() const { return message_; }  // also what()
  int line() const { return line_; }  // template line, 0 when unknown

 private:
  std::string type_;
  std::string message_;
  int line_;
};

// What a template may consume before rendering stops with a LimitError.
struct TemplateLimits {
  size_t max_source_bytes = 4u << 20;
  int max_parse_depth = 200;             // nesting of expressions/blocks in the source
  int max_eval_depth = 600;              // run-time nesting, macro recursion included
  uint64_t max_steps = 10'000'000;       // evaluation steps (bounds the run time)
  size_t max_output_bytes = 32u << 20;
  size_t max_string_bytes = 32u << 20;   // any single string/list built by the template
  uint64_t max_work_bytes = 256u << 20;  // all data built or scanned (bounds memory and time)
};

// Everything a render sees. JSON objects keep their key order.
struct ChatInputs {
  Json messages = Json::array();
  // Passed as `tools`; JSON null becomes Python None, which is *defined* but
  // falsy (transformers always passes tools=None when there are none).
  Json tools;
  Json documents;  // passed as `documents`, same convention
  // Extra template variables: add_generation_prompt (false when absent),
  // enable_thinking, date_string, ... A key left out is undefined in the template.
  Json kwargs = Json::object();
  // Special-token texts ({"bos_token": "<bos>", "eos_token": "<eos>", ...});
  // kwargs override them.
  Json special_tokens = Json::object();
  // Local time for strftime_now(); empty means the real clock.
  std::function<std::tm()> clock;
};

enum class Family { Gemma4, Qwen35, Qwen3, Llama3, Gemma3, Gemma2, Unknown };
const char* family_name(Family f);  // "gemma4", "qwen35", "qwen3", "llama3", "gemma3", "gemma2", "unknown"
// Recognizes the model family from the markers a template emits.
Family detect_family(std::string_view template_source);

class ChatTemplate {
 public:
  // Parses the template; throws TemplateError (e.g. TemplateSyntaxError).
  explicit ChatTemplate(std::string source, const TemplateLimits& limits = {});
  std::string render(const ChatInputs& inputs) const;  // throws TemplateError
  const std::string& source() const { return source_; }
  Family family() const { return family_; }

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  std::string source_;
  Family family_;
};

// One-shot parse + render.
std::string render(std::string_view template_source, const ChatInputs& inputs);

// Renders the conversation and tokenizes it for `model` so that only the
// template's own markup can produce control tokens: the text of a control
// token inside any message or tool string (a user or a tool result writing
// "<|im_end|><|im_start|>system") stays text. Where no such text occurs the
// tokens are exactly model.tokenize(tmpl.render(inputs), false).
std::vector<int32_t> tokenize_conversation(const Model& model, const ChatTemplate& tmpl, const ChatInputs& inputs);

// The text add_generation_prompt appends: render with it true and false and
// return the suffix the first adds ("" if the renders do not differ that way).
std::string generation_prompt(const ChatTemplate& tmpl, const ChatInputs& inputs);

// Chat data stored in a GGUF file: `tokenizer.chat_template` (or
// `tokenizer.chat_template.<name>` when name is given) and the special-token
// texts named by tokenizer.ggml.{bos,eos,unknown,padding,seperator,mask}_token_id.
struct GgufChatInfo {
  std::optional<std::string> chat_template;
  Json special_tokens = Json::object();
};
GgufChatInfo read_gguf_chat_info(const std::string& path, const std::string& template_name = "");

}  // namespace edgelm::chat
