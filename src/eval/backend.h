// Where an evaluation's replies come from: an edgelm model in this process,
// or any OpenAI-compatible server (`--endpoint URL`: edgelm's own or another
// engine's). Both take the same chat messages and tools and return the reply
// already split into content and tool calls, so every suite runs unchanged
// against either.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgelm::eval {

using JsonDoc = nlohmann::ordered_json;

struct GenerationSettings {
  int max_tokens = 1024;          // per reply
  float temperature = 0.0f;       // <= 0: greedy
  float top_p = 1.0f;
  int64_t n_ctx = 8192;           // local models: context of the session
  int n_threads = 0;              // local models: 0 = all
  std::optional<bool> enable_thinking = false;   // passed to the template; nullopt leaves it out
  std::string chat_template_path;   // local models: a Jinja file instead of the GGUF's template
};

struct ToolCallOut {
  std::string name;
  JsonDoc arguments;   // an object
};

struct Reply {
  std::string content;
  std::string reasoning;
  std::vector<ToolCallOut> tool_calls;
  int prompt_tokens = 0;       // the whole rendered conversation
  int processed_tokens = 0;    // of those, run through the model (the rest reused); local only
  int completion_tokens = 0;
  double first_token_seconds = 0;   // time to the first generated token
  double seconds = 0;               // the whole reply
  bool truncated = false;           // stopped at max_tokens
  std::string error;                // non-empty: no reply (context overflow, server error); the item fails
};

class ChatBackend {
 public:
  virtual ~ChatBackend() = default;
  // What results are labelled with: the model file's name or the endpoint's model.
  virtual std::string label() const = 0;
  // Generates the assistant's next reply to `messages` (OpenAI chat format)
  // offering `tools` (an OpenAI tools array, or null). Throws only for
  // problems that would fail every item (unreachable server, bad model).
  virtual Reply chat(const JsonDoc& messages, const JsonDoc& tools, uint64_t seed) = 0;
};

std::unique_ptr<ChatBackend> local_backend(const std::string& model_path, const GenerationSettings& settings);
// url: "http://host:port" or ".../v1"; model: empty asks /v1/models for the first;
// api_key: empty reads OPENAI_API_KEY (none if unset).
std::unique_ptr<ChatBackend> endpoint_backend(const std::string& url, const std::string& model,
                                              const std::string& api_key, const GenerationSettings& settings);

}  // namespace edgelm::eval
