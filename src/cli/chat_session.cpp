#include "cli/chat_session.h"

#include <fstream>
#include <sstream>

namespace edgelm::cli {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open template file '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

ChatSession::ChatSession(const ChatConfig& config) : config_(config) {
  model_ = Model::load(config.model_path);
  const chat::GgufChatInfo info = chat::read_gguf_chat_info(config.model_path);
  special_tokens_ = info.special_tokens;
  std::string source;
  if (!config.template_path.empty()) source = read_text(config.template_path);
  else if (info.chat_template) source = *info.chat_template;
  else throw Error("the model has no chat template (tokenizer.chat_template); give one with --template FILE");
  template_ = std::make_unique<chat::ChatTemplate>(source);
  family_ = toolcalls::family_for_template(template_->family());
  SessionOptions so;
  so.n_ctx = config.n_ctx;
  so.n_threads = config.n_threads;
  so.pin_threads = config.pin_threads;
  session_ = std::make_unique<Session>(*model_, so);
  reset();
}

std::string ChatSession::banner() const {
  return "edgelm chat: " + model_->info().architecture + " model, " + chat::family_name(template_->family()) +
         " template, context " + std::to_string(session_->context_size()) +
         " tokens. Commands: /tool NAME RESULT, /reset, /quit";
}

void ChatSession::reset() {
  messages_ = JsonDoc::array();
  if (!config_.system.empty()) messages_.push_back({{"role", "system"}, {"content", config_.system}});
}

void ChatSession::add_user(const std::string& text) { messages_.push_back({{"role", "user"}, {"content", text}}); }

void ChatSession::add_tool_result(const std::string& name_and_result) {
  const size_t space = name_and_result.find(' ');
  const std::string name = name_and_result.substr(0, space);
  const std::string result = space == std::string::npos ? "" : name_and_result.substr(space + 1);
  messages_.push_back({{"role", "tool"}, {"name", name}, {"content", result}});
}

chat::ChatInputs ChatSession::inputs(bool add_generation_prompt) const {
  chat::ChatInputs in;
  in.messages = to_api(messages_);
  in.tools = config_.tools;
  in.special_tokens = special_tokens_;
  JsonDoc kwargs = {{"add_generation_prompt", add_generation_prompt}};
  if (config_.enable_thinking) kwargs["enable_thinking"] = *config_.enable_thinking;
  in.kwargs = to_api(kwargs);
  return in;
}

// Renders the conversation; when it outgrows the context, either fails or
// drops the oldest turns (after the system message) until it fits.
std::vector<int32_t> ChatSession::prompt_tokens() {
  for (;;) {
    // The template writes BOS itself where the model wants one; what users
    // and tools wrote is tokenized as text, never as control tokens.
    std::vector<int32_t> tokens = chat::tokenize_conversation(*model_, *template_, inputs(true));
    if (static_cast<int64_t>(tokens.size()) + config_.n_predict <= session_->context_size()) return tokens;
    const size_t first = !messages_.empty() && messages_[0]["role"] == "system" ? 1 : 0;
    if (config_.overflow == "error" || messages_.size() <= first + 1)
      throw Error("the conversation (" + std::to_string(tokens.size()) + " tokens + " +
                  std::to_string(config_.n_predict) + " to generate) exceeds the context of " +
                  std::to_string(session_->context_size()) + " tokens");
    std::fprintf(stderr, "[context full: dropping the oldest message]\n");
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(first));
  }
}

void ChatSession::record_reply(const toolcalls::ParseResult& r) {
  JsonDoc msg = {{"role", "assistant"}, {"content", r.content}};
  if (!r.tool_calls.empty()) {
    msg["tool_calls"] = JsonDoc::array();
    for (const toolcalls::ToolCall& call : r.tool_calls)
      msg["tool_calls"].push_back(
          {{"type", "function"}, {"function", {{"name", call.name}, {"arguments", from_api(call.arguments)}}}});
  }
  messages_.push_back(msg);
}

void ChatSession::reply(FILE* out) {
  const std::vector<int32_t> tokens = prompt_tokens();
  toolcalls::ParseOptions po;
  po.family = family_.value_or(toolcalls::Family::Qwen3);
  po.tools = config_.tools;
  po.parse_tool_calls = family_.has_value();
  po.prompt_ends_inside_reasoning =
      family_ && toolcalls::prompt_opens_reasoning(*family_, chat::generation_prompt(*template_, inputs(true)));
  toolcalls::StreamParser parser(po);
  auto show = [&](const std::vector<toolcalls::Delta>& deltas) {
    for (const toolcalls::Delta& d : deltas) {
      if (d.kind == toolcalls::Delta::Kind::Content) std::fputs(d.text.c_str(), out);
      else if (d.kind == toolcalls::Delta::Kind::Reasoning) std::fprintf(out, "\x1b[2m%s\x1b[0m", d.text.c_str());
    }
    std::fflush(out);
  };
  Sampler sampler(config_.sampling);
  generate(*session_, sampler, tokens, config_.n_predict, [&](const std::string& piece) {
    show(parser.feed(piece));
    return true;
  });
  show(parser.finish());
  const toolcalls::ParseResult& result = parser.result();
  for (const toolcalls::ToolCall& call : result.tool_calls)
    std::fprintf(out, "\n[tool call] %s %s", call.name.c_str(), call.arguments.dump().c_str());
  std::fputc('\n', out);
  record_reply(result);
}

}  // namespace edgelm::cli
