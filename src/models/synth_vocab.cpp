// A synthetic but valid SentencePiece-style vocabulary: control tokens, the
// 256 byte-fallback tokens, single characters, then letter combinations, so
// any text tokenizes and round-trips.
#include <string>
#include <vector>

#include "edgelm/error.h"
#include "models/synth_plan.h"

namespace edgelm::models::synth {
namespace {

constexpr int kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6;
const std::string kSpace = "\xE2\x96\x81";   // U+2581, SentencePiece's space

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  void add(const std::string& text, int type) {
    tokens.push_back(text);
    scores.push_back(-static_cast<float>(tokens.size()));
    types.push_back(type);
  }
};

void add_words(Vocab& v, int n_vocab, const std::string& prefix, int length) {
  std::string word(length, 'a');
  for (;;) {
    if (static_cast<int>(v.tokens.size()) >= n_vocab) return;
    v.add(prefix + word, kNormal);
    int i = length - 1;
    while (i >= 0 && word[i] == 'z') word[i--] = 'a';
    if (i < 0) return;
    ++word[i];
  }
}

}  // namespace

void write_vocab(gguf::Writer& w, const VocabPlan& plan) {
  if (plan.model != "llama") throw Error("synthetic vocabulary type '" + plan.model + "' is not supported");
  Vocab v;
  v.add("<unk>", kUnknown);
  v.add("<s>", kControl);
  v.add("</s>", kControl);
  static const char* kHex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) v.add(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">", kByte);
  v.add(kSpace, kNormal);
  for (char c = 33; c < 127; ++c) v.add(std::string(1, c), kNormal);
  for (int len = 1; len <= 4 && static_cast<int>(v.tokens.size()) < plan.n_vocab; ++len) {
    add_words(v, plan.n_vocab, kSpace, len);
    if (len > 1) add_words(v, plan.n_vocab, "", len);
  }
  if (static_cast<int>(v.tokens.size()) < plan.n_vocab) throw Error("synthetic vocabulary too large");
  v.tokens.resize(plan.n_vocab);
  v.scores.resize(plan.n_vocab);
  v.types.resize(plan.n_vocab);
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string_array("tokenizer.ggml.tokens", v.tokens);
  w.set_f32_array("tokenizer.ggml.scores", v.scores);
  w.set_i32_array("tokenizer.ggml.token_type", v.types);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.set_bool("tokenizer.ggml.add_eos_token", false);
  w.set_bool("tokenizer.ggml.add_space_prefix", true);
}

}  // namespace edgelm::models::synth
