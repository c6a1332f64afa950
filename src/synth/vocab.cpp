// Synthetic but valid vocabularies for `edgelm synth`, in the three
// tokenizer families the architectures use: SentencePiece scores ("llama"),
// byte-level BPE ("gpt2", Qwen) and Gemma 4's BPE over raw text with byte
// fallback. Any text tokenizes and round-trips; the control tokens the chat
// formats need carry their real texts.
#include <string>
#include <vector>

#include "edgelm/error.h"
#include "synth/plan.h"

namespace edgelm::synth {
namespace {

constexpr int kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kByte = 6;
const std::string kSpmSpace = "\xE2\x96\x81";   // U+2581, SentencePiece's space

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  void add(const std::string& text, int type) {
    tokens.push_back(text);
    scores.push_back(-static_cast<float>(tokens.size()));
    types.push_back(type);
  }
  int size() const { return static_cast<int>(tokens.size()); }
};

std::string byte_token(int b) {
  static const char* kHex = "0123456789ABCDEF";
  return std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">";
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// GPT-2's byte-to-character table: printable bytes map to themselves, the
// other 68 to U+0100.. in byte order.
std::vector<std::string> byte_level_chars() {
  std::vector<std::string> out(256);
  uint32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    append_utf8(out[b], printable ? static_cast<uint32_t>(b) : next++);
  }
  return out;
}

// Merged tokens over an alphabet: every pair, then pair+letter, recorded as
// BPE merges ("left right", rank = order) until the vocabulary is full.
void add_merged(Vocab& v, const std::vector<std::string>& alphabet, int limit, bool record_merges, int type) {
  std::vector<std::string> pairs;
  for (const std::string& a : alphabet)
    for (const std::string& b : alphabet) {
      if (v.size() >= limit) return;
      v.add(a + b, type);
      if (record_merges) v.merges.push_back(a + " " + b);
      pairs.push_back(a + b);
    }
  for (const std::string& ab : pairs)
    for (const std::string& c : alphabet) {
      if (v.size() >= limit) return;
      v.add(ab + c, type);
      if (record_merges) v.merges.push_back(ab + " " + c);
    }
  if (v.size() < limit) throw Error("synthetic vocabulary of " + std::to_string(limit) + " tokens is too large");
}

std::vector<std::string> letters(const std::string& space) {
  std::vector<std::string> out = {space};
  for (char c = 'a'; c <= 'z'; ++c) out.push_back(std::string(1, c));
  for (char c = 'A'; c <= 'Z'; ++c) out.push_back(std::string(1, c));
  for (char c = '0'; c <= '9'; ++c) out.push_back(std::string(1, c));
  for (const char* p : {".", ",", "!", "?", "'", "-", ":", ";", "(", ")", "\"", "_"}) out.push_back(p);
  return out;
}

void write_common(gguf::Writer& w, const std::string& model, const Vocab& v) {
  w.set_string("tokenizer.ggml.model", model);
  w.set_string_array("tokenizer.ggml.tokens", v.tokens);
  w.set_i32_array("tokenizer.ggml.token_type", v.types);
}

void write_spm(gguf::Writer& w, int n_vocab) {
  Vocab v;
  v.add("<unk>", kUnknown);
  v.add("<s>", kControl);
  v.add("</s>", kControl);
  // The turn markers of the SentencePiece-era chat formats (Gemma 3's and, by
  // name, Llama 3's), so the real templates of those families tokenize.
  for (const char* t : {"<start_of_turn>", "<end_of_turn>", "<|begin_of_text|>", "<|start_header_id|>",
                        "<|end_header_id|>", "<|eot_id|>"})
    v.add(t, kControl);
  for (int b = 0; b < 256; ++b) v.add(byte_token(b), kByte);
  for (char c = 33; c < 127; ++c) v.add(std::string(1, c), kNormal);
  add_merged(v, letters(kSpmSpace), n_vocab, false, kNormal);
  write_common(w, "llama", v);
  w.set_f32_array("tokenizer.ggml.scores", v.scores);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.set_bool("tokenizer.ggml.add_eos_token", false);
  w.set_bool("tokenizer.ggml.add_space_prefix", true);
}

// Qwen-style byte-level BPE: bytes, merges, then the control tokens at the end.
void write_byte_bpe(gguf::Writer& w, int n_vocab, const std::string& pre) {
  const std::vector<std::string> specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>",
                                             "</tool_call>", "<think>", "</think>", "<tool_response>",
                                             "</tool_response>"};
  Vocab v;
  const std::vector<std::string> chars = byte_level_chars();
  for (const std::string& c : chars) v.add(c, kNormal);
  std::vector<std::string> alphabet = letters(chars[' ']);
  alphabet.push_back(chars['\n']);
  add_merged(v, alphabet, n_vocab - static_cast<int>(specials.size()), true, kNormal);
  const int first_special = v.size();
  for (const std::string& s : specials) v.add(s, s.front() == '<' && s[1] == '|' ? kControl : kUserDefined);
  write_common(w, "gpt2", v);
  w.set_string("tokenizer.ggml.pre", pre);
  w.set_string_array("tokenizer.ggml.merges", v.merges);
  w.set_u32("tokenizer.ggml.bos_token_id", first_special);        // <|endoftext|>, never added
  w.set_u32("tokenizer.ggml.eos_token_id", first_special + 2);    // <|im_end|>
  w.set_u32("tokenizer.ggml.padding_token_id", first_special);
  w.set_bool("tokenizer.ggml.add_bos_token", false);
}

// Gemma 4: control tokens at their published ids, byte fallback, raw-text BPE.
void write_gemma4(gguf::Writer& w, int n_vocab) {
  struct Fixed { int id; const char* text; int type; };
  static const Fixed kFixed[] = {
      {0, "<pad>", kControl}, {1, "<eos>", kControl}, {2, "<bos>", kControl}, {3, "<unk>", kUnknown},
      {4, "<mask>", kControl}, {46, "<|tool>", kControl}, {47, "<tool|>", kControl},
      {48, "<|tool_call>", kUserDefined}, {49, "<tool_call|>", kUserDefined},
      {50, "<|tool_response>", kUserDefined}, {51, "<tool_response|>", kUserDefined},
      {52, "<|\"|>", kUserDefined}, {98, "<|think|>", kControl}, {100, "<|channel>", kUserDefined},
      {101, "<channel|>", kUserDefined}, {105, "<|turn>", kControl}, {106, "<turn|>", kControl},
      {107, "\n", kNormal}};
  Vocab v;
  for (int id = 0; id < 256; ++id) v.add("<unused" + std::to_string(id) + ">", kControl);
  for (const Fixed& f : kFixed) {
    v.tokens[f.id] = f.text;
    v.types[f.id] = f.type;
  }
  for (int b = 0; b < 256; ++b) v.add(byte_token(b), kByte);
  for (char c = 32; c < 127; ++c)
    if (c != ' ') v.add(std::string(1, c), kNormal);
  v.add(kSpmSpace, kNormal);
  add_merged(v, letters(kSpmSpace), n_vocab, true, kNormal);
  write_common(w, "gemma4", v);
  w.set_string("tokenizer.ggml.pre", "gemma4");
  w.set_string_array("tokenizer.ggml.merges", v.merges);
  w.set_u32("tokenizer.ggml.bos_token_id", 2);
  w.set_u32("tokenizer.ggml.eos_token_id", 1);
  w.set_u32("tokenizer.ggml.unknown_token_id", 3);
  w.set_u32("tokenizer.ggml.padding_token_id", 0);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.set_bool("tokenizer.ggml.add_space_prefix", false);
}

// Minimal chat templates of our own for the synthetic models, in each
// family's turn format (no tool declarations), so `edgelm chat` works on them.
constexpr const char* kPlainTemplate =
    "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}";
constexpr const char* kChatMlTemplate =
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
constexpr const char* kGemma4Template =
    "{{ bos_token }}{% for m in messages %}<|turn>{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n"
    "{{ m['content'] | trim }}<turn|>\n{% endfor %}{% if add_generation_prompt %}<|turn>model\n{% endif %}";

}  // namespace

void write_vocab(gguf::Writer& w, const VocabPlan& plan) {
  if (plan.model == "llama") {
    write_spm(w, plan.n_vocab);
    w.set_string("tokenizer.chat_template", kPlainTemplate);
  } else if (plan.model == "gpt2") {
    write_byte_bpe(w, plan.n_vocab, plan.pre.empty() ? "qwen2" : plan.pre);
    w.set_string("tokenizer.chat_template", kChatMlTemplate);
  } else if (plan.model == "gemma4") {
    write_gemma4(w, plan.n_vocab);
    w.set_string("tokenizer.chat_template", kGemma4Template);
  } else {
    throw Error("synthetic vocabulary type '" + plan.model + "' is not supported");
  }
}

}  // namespace edgelm::synth
