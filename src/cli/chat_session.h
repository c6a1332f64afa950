// The state of an `edgelm chat` conversation: messages rendered through the
// chat template, one model session reused across turns (only new tokens are
// processed), replies streamed through the family's tool-call parser.
#pragma once
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "edgelm/chat.h"
#include "edgelm/edgelm.h"
#include "edgelm/toolcalls.h"
#include "cli/common.h"

namespace edgelm::cli {

struct ChatConfig {
  std::string model_path;
  std::string template_path;     // empty: the model's tokenizer.chat_template
  std::string system;
  edgelm::Json tools;            // null or an array of tools
  std::optional<bool> enable_thinking;
  int n_predict = 1024;
  int64_t n_ctx = 0;
  int n_threads = 0;
  bool pin_threads = false;
  std::string overflow = "truncate";
  SamplerOptions sampling;
};

class ChatSession {
 public:
  explicit ChatSession(const ChatConfig& config);
  std::string banner() const;
  void add_user(const std::string& text);
  // "NAME RESULT": the result of a tool the model called.
  void add_tool_result(const std::string& name_and_result);
  // Generates the assistant's reply, streaming it to `out`, and records it.
  void reply(FILE* out);
  void reset();

 private:
  chat::ChatInputs inputs(bool add_generation_prompt) const;
  std::vector<int32_t> prompt_tokens();   // applies the overflow policy
  void record_reply(const toolcalls::ParseResult& r);

  ChatConfig config_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<chat::ChatTemplate> template_;
  edgelm::Json special_tokens_;
  JsonDoc messages_ = JsonDoc::array();
  std::optional<toolcalls::Family> family_;
};

}  // namespace edgelm::cli
