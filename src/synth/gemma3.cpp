// Synthetic Gemma 3 models: sandwich-normed layers, five sliding-window layers
// to one global (docs/ARCHITECTURES.md §3).
#include "edgelm/error.h"
#include "models/tensor_names.h"
#include "synth/plan.h"

namespace edgelm::synth {
namespace {

using namespace models::tensor_names;

struct Gemma3Shape {
  const char* name;
  int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, window;
  int64_t n_ctx;
};

constexpr Gemma3Shape kTiny = {.name = "gemma3 tiny (synthetic)", .n_embd = 128, .n_layer = 6, .n_head = 4,
                               .n_head_kv = 2, .head_dim = 32, .n_ff = 256, .n_vocab = 512, .window = 16,
                               .n_ctx = 4096};
// Gemma 3 1B: 26 layers, d 1152, 4/1 heads of 256, FFN 6912, window 512, 5:1 pattern.
constexpr Gemma3Shape k1B = {.name = "gemma3 1B (synthetic)", .n_embd = 1152, .n_layer = 26, .n_head = 4,
                             .n_head_kv = 1, .head_dim = 256, .n_ff = 6912, .n_vocab = 262144, .window = 512,
                             .n_ctx = 32768};

Plan make_gemma3(const Gemma3Shape& s) {
  Plan p;
  p.arch = "gemma3";
  p.name = s.name;
  p.vocab = {"llama", s.n_vocab, ""};
  p.metadata = [s](gguf::Writer& w) {
    w.set_u32("gemma3.context_length", static_cast<uint32_t>(s.n_ctx));
    w.set_u32("gemma3.embedding_length", s.n_embd);
    w.set_u32("gemma3.block_count", s.n_layer);
    w.set_u32("gemma3.feed_forward_length", s.n_ff);
    w.set_u32("gemma3.attention.head_count", s.n_head);
    w.set_u32("gemma3.attention.head_count_kv", s.n_head_kv);
    w.set_u32("gemma3.attention.key_length", s.head_dim);
    w.set_u32("gemma3.attention.value_length", s.head_dim);
    w.set_f32("gemma3.attention.layer_norm_rms_epsilon", 1e-6f);
    w.set_u32("gemma3.attention.sliding_window", s.window);
    w.set_u32("gemma3.attention.sliding_window_pattern", 6);
    w.set_f32("gemma3.rope.freq_base", 1000000.0f);
    w.set_f32("gemma3.rope.freq_base_swa", 10000.0f);
  };
  const int E = s.n_embd, D = s.head_dim;
  p.embedding(E, s.n_vocab);
  for (int i = 0; i < s.n_layer; ++i) {
    p.norm(blk(i, kAttnNorm), E);
    p.attention_and_ffn(i, E, s.n_head, s.n_head_kv, D, s.n_ff, true);
    p.norm(blk(i, kPostAttentionNorm), E);
    p.norm(blk(i, kPostFfwNorm), E);
  }
  p.norm(kOutputNorm, E);
  return p;
}

}  // namespace

Plan gemma3_plan(const std::string& preset) {
  if (preset == "tiny") return make_gemma3(kTiny);
  if (preset == "1b") return make_gemma3(k1B);
  throw Error("unknown preset '" + preset + "' for gemma3 (available: tiny, 1b)");
}

}  // namespace edgelm::synth
