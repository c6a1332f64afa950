#include "eval/backend.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <httplib.h>

#include "edgelm/chat.h"
#include "edgelm/edgelm.h"
#include "edgelm/json_input.h"
#include "edgelm/toolcalls.h"

namespace edgelm::eval {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

edgelm::Json to_api(const JsonDoc& j) {
  return edgelm::Json::parse(j.dump(-1, ' ', false, JsonDoc::error_handler_t::replace));
}

// An edgelm model in this process: one session kept across calls, so a
// conversation's next turn (an agent task's) only runs its new tokens.
class LocalBackend : public ChatBackend {
 public:
  LocalBackend(const std::string& path, const GenerationSettings& settings) : settings_(settings) {
    model_ = Model::load(path);
    const chat::GgufChatInfo info = chat::read_gguf_chat_info(path);
    std::string source;
    if (!settings.chat_template_path.empty()) {
      std::ifstream in(settings.chat_template_path, std::ios::binary);
      if (!in) throw Error("cannot open chat template '" + settings.chat_template_path + "'");
      source.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else if (info.chat_template) {
      source = *info.chat_template;
    } else {
      throw Error("'" + path + "' has no chat template (tokenizer.chat_template); give one with --chat-template");
    }
    template_ = std::make_unique<chat::ChatTemplate>(source);
    special_tokens_ = info.special_tokens;
    family_ = toolcalls::family_for_template(template_->family());
    SessionOptions so;
    so.n_ctx = settings.n_ctx;
    so.n_threads = settings.n_threads;
    session_ = std::make_unique<Session>(*model_, so);
    label_ = std::filesystem::path(path).filename().string();
  }

  std::string label() const override { return label_; }

  Reply chat(const JsonDoc& messages, const JsonDoc& tools, uint64_t seed) override {
    const auto t0 = Clock::now();
    Reply reply;
    chat::ChatInputs in;
    in.messages = to_api(messages);
    if (!tools.is_null() && !tools.empty()) in.tools = to_api(tools);
    in.special_tokens = special_tokens_;
    JsonDoc kwargs = {{"add_generation_prompt", true}};
    if (settings_.enable_thinking) kwargs["enable_thinking"] = *settings_.enable_thinking;
    in.kwargs = to_api(kwargs);
    std::vector<int32_t> prompt;
    try {
      prompt = chat::tokenize_conversation(*model_, *template_, in);
    } catch (const Error& e) {
      reply.error = std::string("template: ") + e.what();
      return reply;
    }
    reply.prompt_tokens = static_cast<int>(prompt.size());
    if (static_cast<int64_t>(prompt.size()) + 1 > session_->context_size()) {
      reply.error = "the conversation (" + std::to_string(prompt.size()) + " tokens) exceeds the context of " +
                    std::to_string(session_->context_size());
      return reply;
    }
    SamplerOptions so;
    so.temperature = settings_.temperature;
    so.top_p = settings_.top_p;
    so.top_k = 0;
    so.min_p = 0;
    so.seed = seed;
    Sampler sampler(so);
    PrefixReuse reuse;
    std::span<const float> logits = session_->prefill_cached(prompt, &reuse);
    reply.processed_tokens = static_cast<int>(reuse.processed_tokens);
    std::string text;
    for (int i = 0; i < settings_.max_tokens; ++i) {
      const int32_t token = sampler.sample(logits);
      if (i == 0) reply.first_token_seconds = seconds_since(t0);
      if (model_->is_end_of_generation(token)) break;
      sampler.accept(token);
      ++reply.completion_tokens;
      text += model_->token_to_piece(token);
      if (session_->position() >= session_->context_size()) break;
      if (i + 1 == settings_.max_tokens) {
        reply.truncated = true;
        break;
      }
      logits = session_->decode(token);
    }
    toolcalls::ParseOptions po;
    po.family = family_.value_or(toolcalls::Family::Qwen3);
    po.parse_tool_calls = family_.has_value() && !tools.is_null() && !tools.empty();
    if (po.parse_tool_calls) po.tools = to_api(tools);
    po.prompt_ends_inside_reasoning =
        family_ && toolcalls::prompt_opens_reasoning(*family_, chat::generation_prompt(*template_, in));
    const toolcalls::ParseResult parsed = toolcalls::parse(text, po);
    reply.content = parsed.content;
    reply.reasoning = parsed.reasoning.value_or("");
    for (const toolcalls::ToolCall& call : parsed.tool_calls)
      reply.tool_calls.push_back({call.name, JsonDoc::parse(call.arguments.dump())});
    reply.seconds = seconds_since(t0);
    return reply;
  }

 private:
  GenerationSettings settings_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<chat::ChatTemplate> template_;
  edgelm::Json special_tokens_;
  std::optional<toolcalls::Family> family_;
  std::unique_ptr<Session> session_;
  std::string label_;
};

// Splits "http://host:port/prefix" into the client's base and the path prefix
// the API lives under ("/v1" appended unless the URL already ends with it).
struct EndpointUrl {
  std::string base;   // scheme://host[:port]
  std::string path;   // e.g. "/v1"
};

EndpointUrl split_url(std::string url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos || (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0))
    throw Error("--endpoint must be an http:// or https:// URL, got '" + url + "'");
  while (!url.empty() && url.back() == '/') url.pop_back();
  const size_t slash = url.find('/', scheme + 3);
  EndpointUrl out;
  out.base = url.substr(0, slash);
  out.path = slash == std::string::npos ? "" : url.substr(slash);
  if (out.path.size() < 3 || out.path.compare(out.path.size() - 3, 3, "/v1") != 0) out.path += "/v1";
  return out;
}

// The suites keep tool-call arguments as objects (what chat templates
// iterate); the OpenAI wire format carries them as JSON text.
JsonDoc with_string_arguments(JsonDoc messages) {
  for (JsonDoc& m : messages) {
    if (!m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
    for (JsonDoc& call : m["tool_calls"])
      if (call.contains("function") && call["function"].contains("arguments") &&
          !call["function"]["arguments"].is_string())
        call["function"]["arguments"] = call["function"]["arguments"].dump();
  }
  return messages;
}

// Any OpenAI-compatible server, asked one non-streaming request per reply.
class EndpointBackend : public ChatBackend {
 public:
  EndpointBackend(const std::string& url, std::string model, std::string api_key, const GenerationSettings& settings)
      : settings_(settings), url_(split_url(url)), client_(url_.base), model_(std::move(model)) {
    if (api_key.empty()) {
      if (const char* env = std::getenv("OPENAI_API_KEY")) api_key = env;
    }
    if (!api_key.empty()) headers_.emplace("Authorization", "Bearer " + api_key);
    client_.set_connection_timeout(10);
    client_.set_read_timeout(3600);
    client_.set_write_timeout(60);
    if (model_.empty()) model_ = first_model();
  }

  std::string label() const override { return model_ + " @ " + url_.base; }

  Reply chat(const JsonDoc& messages, const JsonDoc& tools, uint64_t seed) override {
    const auto t0 = Clock::now();
    JsonDoc request = {{"model", model_},
                       {"messages", with_string_arguments(messages)},
                       {"max_tokens", settings_.max_tokens},
                       {"temperature", settings_.temperature},
                       {"top_p", settings_.top_p},
                       {"seed", seed}};
    if (!tools.is_null() && !tools.empty()) request["tools"] = tools;
    if (settings_.enable_thinking)
      request["chat_template_kwargs"] = {{"enable_thinking", *settings_.enable_thinking}};
    Reply reply;
    const JsonDoc body = post(url_.path + "/chat/completions", request, reply.error);
    reply.seconds = seconds_since(t0);
    reply.first_token_seconds = reply.seconds;   // not streamed: the whole reply
    if (!reply.error.empty()) return reply;
    try {
      const JsonDoc& choice = body.at("choices").at(0);
      const JsonDoc& message = choice.at("message");
      if (message.contains("content") && message["content"].is_string()) reply.content = message["content"];
      for (const char* key : {"reasoning_content", "reasoning"})
        if (message.contains(key) && message[key].is_string()) reply.reasoning = message[key];
      if (message.contains("tool_calls") && message["tool_calls"].is_array()) {
        for (const JsonDoc& call : message["tool_calls"]) {
          const JsonDoc& fn = call.at("function");
          ToolCallOut out{fn.at("name").get<std::string>(), JsonDoc::object()};
          const JsonDoc& args = fn.contains("arguments") ? fn["arguments"] : JsonDoc();
          if (args.is_string()) {
            const std::string& text = args.get_ref<const std::string&>();
            out.arguments = json_too_deep(text) ? JsonDoc() : JsonDoc::parse(text, nullptr, false);
            if (out.arguments.is_discarded()) out.arguments = JsonDoc();   // the checker reports it
          } else if (args.is_object()) {
            out.arguments = args;
          }
          reply.tool_calls.push_back(std::move(out));
        }
      }
      reply.truncated = choice.value("finish_reason", "") == "length";
      if (body.contains("usage")) {
        reply.prompt_tokens = body["usage"].value("prompt_tokens", 0);
        reply.completion_tokens = body["usage"].value("completion_tokens", 0);
      }
    } catch (const JsonDoc::exception& e) {
      reply.error = std::string("unexpected reply shape: ") + e.what();
    }
    return reply;
  }

 private:
  JsonDoc post(const std::string& path, const JsonDoc& request, std::string& error) {
    auto res = client_.Post(path, headers_, request.dump(-1, ' ', false, JsonDoc::error_handler_t::replace),
                            "application/json");
    require_answer(res, path);
    if (res->status != 200) {
      error = "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300);
      return {};
    }
    if (json_too_deep(res->body)) {
      error = "reply nested too deeply";
      return {};
    }
    JsonDoc body = JsonDoc::parse(res->body, nullptr, false);
    if (body.is_discarded()) error = "reply is not JSON";
    return body;
  }

  // No answer or a refused key fails every item: stop the run instead.
  void require_answer(const httplib::Result& res, const std::string& path) const {
    if (!res) throw Error("cannot reach " + url_.base + path + ": " + httplib::to_string(res.error()));
    if (res->status == 401 || res->status == 403)
      throw Error(url_.base + " refused the request (HTTP " + std::to_string(res->status) + "): check --api-key");
  }

  std::string first_model() {
    auto res = client_.Get(url_.path + "/models", headers_);
    require_answer(res, url_.path + "/models");
    const JsonDoc body = JsonDoc::parse(res->body, nullptr, false);
    if (res->status != 200 || body.is_discarded() || !body.contains("data") || !body["data"].is_array() ||
        body["data"].empty() || !body["data"][0].contains("id"))
      throw Error(url_.base + url_.path + "/models lists no model; name one with --endpoint-model");
    return body["data"][0]["id"].get<std::string>();
  }

  GenerationSettings settings_;
  EndpointUrl url_;
  httplib::Client client_;
  httplib::Headers headers_;
  std::string model_;
};

}  // namespace

std::unique_ptr<ChatBackend> local_backend(const std::string& model_path, const GenerationSettings& settings) {
  return std::make_unique<LocalBackend>(model_path, settings);
}

std::unique_ptr<ChatBackend> endpoint_backend(const std::string& url, const std::string& model,
                                              const std::string& api_key, const GenerationSettings& settings) {
  return std::make_unique<EndpointBackend>(url, model, api_key, settings);
}

}  // namespace edgelm::eval
