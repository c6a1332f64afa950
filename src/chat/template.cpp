// Chat rendering API (include/edgelm/chat.h) on top of the Jinja engine.
#include <utility>

#include "chat/jinja/jinja.h"
#include "chat/jinja/json.h"
#include "chat/json_value.h"
#include "edgelm/chat.h"
#include "gguf/gguf.h"

namespace edgelm::chat {

TemplateError::TemplateError(std::string type, std::string message, int line)
    : edgelm::Error(message), type_(std::move(type)), message_(std::move(message)), line_(line) {}

namespace {

[[noreturn]] void rethrow(const jinja::Error& e) { throw TemplateError(e.kind_name(), e.message(), e.line()); }

bool has(std::string_view text, std::string_view marker) { return text.find(marker) != std::string_view::npos; }

}  // namespace

const char* family_name(Family f) {
  switch (f) {
    case Family::Gemma4: return "gemma4";
    case Family::Qwen35: return "qwen35";
    case Family::Qwen3: return "qwen3";
    case Family::Llama3: return "llama3";
    case Family::Gemma3: return "gemma3";
    case Family::Gemma2: return "gemma2";
    case Family::Unknown: return "unknown";
  }
  return "unknown";
}

// Each family is recognized by the control tokens its template writes; the
// Qwen variants differ by their tool-call syntax (XML <function=...> for
// Qwen3.5 and Qwen3-Coder, JSON in <tool_call> for Qwen3), the Gemma 2/3
// variants by Gemma 3's system-prompt and image support.
Family detect_family(std::string_view t) {
  if (has(t, "<|turn>")) return Family::Gemma4;
  if (has(t, "<|im_start|>")) return has(t, "<function=") ? Family::Qwen35 : Family::Qwen3;
  if (has(t, "<|start_header_id|>")) return Family::Llama3;
  if (has(t, "<start_of_turn>")) {
    return has(t, "<start_of_image>") || has(t, "first_user_prefix") ? Family::Gemma3 : Family::Gemma2;
  }
  return Family::Unknown;
}

struct ChatTemplate::Impl {
  jinja::Template tmpl;
};

ChatTemplate::ChatTemplate(std::string source, const TemplateLimits& limits)
    : source_(std::move(source)), family_(detect_family(source_)) {
  try {
    impl_ = std::make_shared<const Impl>(Impl{jinja::Template(source_, limits)});
  } catch (const jinja::Error& e) {
    rethrow(e);
  }
}

// Variables exactly as transformers passes them: messages, tools, documents,
// add_generation_prompt, then the special tokens overlaid by the kwargs.
std::string ChatTemplate::render(const ChatInputs& in) const {
  const nlohmann::ordered_json& kwargs = native(in.kwargs);
  const nlohmann::ordered_json& special_tokens = native(in.special_tokens);
  if (!kwargs.is_object()) throw Error("chat template kwargs must be a JSON object");
  if (!special_tokens.is_object()) throw Error("special tokens must be a JSON object");
  try {
    jinja::Dict vars;
    auto set = [&](const std::string& name, const nlohmann::ordered_json& value) {
      vars.set(jinja::Value::string(name), jinja::from_json(value));
    };
    set("messages", native(in.messages));
    set("tools", native(in.tools));
    set("documents", native(in.documents));
    set("add_generation_prompt", kwargs.value("add_generation_prompt", nlohmann::ordered_json(false)));
    for (auto it = special_tokens.begin(); it != special_tokens.end(); ++it) set(it.key(), it.value());
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) set(it.key(), it.value());
    return impl_->tmpl.render(vars, in.clock);
  } catch (const jinja::Error& e) {
    rethrow(e);
  }
}

std::string render(std::string_view template_source, const ChatInputs& inputs) {
  return ChatTemplate(std::string(template_source)).render(inputs);
}

std::string generation_prompt(const ChatTemplate& tmpl, const ChatInputs& inputs) {
  ChatInputs with = inputs, without = inputs;
  native(with.kwargs)["add_generation_prompt"] = true;
  native(without.kwargs)["add_generation_prompt"] = false;
  const std::string a = tmpl.render(with), b = tmpl.render(without);
  if (a.size() < b.size() || a.compare(0, b.size(), b) != 0) return "";
  return a.substr(b.size());
}

GgufChatInfo read_gguf_chat_info(const std::string& path, const std::string& template_name) {
  GgufChatInfo info;
  const auto file = gguf::File::open(path);
  info.chat_template =
      file->get_string(template_name.empty() ? "tokenizer.chat_template" : "tokenizer.chat_template." + template_name);
  const auto tokens = file->get_string_array("tokenizer.ggml.tokens");
  if (!tokens) return info;
  static const std::pair<const char*, const char*> kSpecial[] = {
      {"tokenizer.ggml.bos_token_id", "bos_token"},       {"tokenizer.ggml.eos_token_id", "eos_token"},
      {"tokenizer.ggml.unknown_token_id", "unk_token"},   {"tokenizer.ggml.padding_token_id", "pad_token"},
      {"tokenizer.ggml.seperator_token_id", "sep_token"}, {"tokenizer.ggml.mask_token_id", "mask_token"},
  };
  for (const auto& [key, name] : kSpecial) {
    const auto id = file->get_int(key);
    if (id && *id >= 0 && static_cast<uint64_t>(*id) < tokens->size()) native(info.special_tokens)[name] = (*tokens)[*id];
  }
  return info;
}

}  // namespace edgelm::chat
