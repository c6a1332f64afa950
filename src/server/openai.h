// The OpenAI chat-completions surface (docs/FORMATS.md §5): requests read and
// checked into plain structs, and the response and stream-chunk bodies. No
// request field reads a file or picks a template.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgelm/edgelm.h"

namespace edgelm::server {

using JsonDoc = nlohmann::ordered_json;

// A failure the client is told about as {"error": {message, type, param, code}}.
struct ApiError : std::runtime_error {
  ApiError(int status, std::string message, std::string type = "invalid_request_error", std::string param = "",
           std::string code = "")
      : std::runtime_error(message), status(status), type(std::move(type)), param(std::move(param)),
        code(std::move(code)) {}
  int status;
  std::string type, param, code;
};

JsonDoc error_body(const ApiError& e);

// What bounds a request (checked as it is read).
struct RequestLimits {
  size_t max_messages = 4096;
  int max_tokens = 1 << 20;      // also bounded by the context
  size_t max_stop = 4;
  size_t max_stop_bytes = 256;
  int max_top_logprobs = 20;
};

enum class ToolChoice { Auto, None, Required, Named };
enum class ResponseFormat { Text, JsonObject, JsonSchema };

struct GenerationParams {
  int max_tokens = -1;           // -1: until the context is full
  std::vector<std::string> stop;
  SamplerOptions sampling;
  bool logprobs = false;
  int top_logprobs = 0;
  bool stream = false;
  bool include_usage = false;
  bool ignore_eos = false;       // benchmarks: generate max_tokens whatever the model says
};

struct ChatRequest {
  std::string model;
  JsonDoc messages = JsonDoc::array();   // as the template receives them (tool-call arguments as objects)
  JsonDoc tools;                         // null or the OpenAI tools array
  ToolChoice tool_choice = ToolChoice::Auto;
  std::string tool_name;                 // for ToolChoice::Named
  bool parallel_tool_calls = true;
  ResponseFormat response_format = ResponseFormat::Text;
  std::string json_schema;               // for ResponseFormat::JsonSchema (the schema's text)
  JsonDoc template_kwargs = JsonDoc::object();   // chat_template_kwargs (enable_thinking, ...)
  GenerationParams params;
};

struct CompletionRequest {
  std::string model;
  std::string prompt;
  GenerationParams params;
};

// Read a request body; throws ApiError (400) naming the field at fault.
ChatRequest parse_chat_request(const std::string& body, const RequestLimits& limits);
CompletionRequest parse_completion_request(const std::string& body, const RequestLimits& limits);

// One generated token's log-probability and the most likely alternatives.
struct TokenLogprob {
  std::string token;
  float logprob = 0.0f;
  std::vector<std::pair<std::string, float>> top;
};

JsonDoc logprobs_json(const std::vector<TokenLogprob>& items);

}  // namespace edgelm::server
