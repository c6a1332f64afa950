// Synthetic Gemma 4 models: every kind of layer the E2B has (sliding and full
// with their own head sizes, shared-KV layers, per-layer inputs, proportional
// RoPE). docs/ARCHITECTURES.md §3.
#include "edgelm/error.h"
#include "models/tensor_names.h"
#include "synth/plan.h"

namespace edgelm::synth {
namespace {

using namespace models::tensor_names;

struct Gemma4Shape {
  const char* name;
  int n_embd, n_layer, n_head;
  int d_swa, d_full;              // head size of sliding / full layers
  int n_ff_own, n_ff_shared;      // FFN width of layers with their own KV / of shared-KV layers
  int n_vocab, window;
  int n_shared;                   // the last n_shared layers read an earlier layer's KV
  int n_ple;                      // per-layer input width
  int full_every;                 // layer i is full iff i % full_every == full_every - 1
};

constexpr Gemma4Shape kTiny = {.name = "gemma4 tiny (synthetic)", .n_embd = 128, .n_layer = 6, .n_head = 4,
                               .d_swa = 32, .d_full = 64, .n_ff_own = 256, .n_ff_shared = 512, .n_vocab = 1024,
                               .window = 12, .n_shared = 3, .n_ple = 32, .full_every = 3};
// Gemma 4 E2B: 35 layers (every 5th full), d 1536, 8/1 heads of 256 (sliding) or
// 512 (full), FFN 6144 / 12288 (shared layers), PLE 256 per layer, 20 shared-KV layers.
constexpr Gemma4Shape kE2B = {.name = "gemma4 E2B (synthetic)", .n_embd = 1536, .n_layer = 35, .n_head = 8,
                              .d_swa = 256, .d_full = 512, .n_ff_own = 6144, .n_ff_shared = 12288,
                              .n_vocab = 262144, .window = 512, .n_shared = 20, .n_ple = 256, .full_every = 5};

Plan make_gemma4(const Gemma4Shape& s) {
  Plan p;
  p.arch = "gemma4";
  p.name = s.name;
  p.vocab = {"gemma4", s.n_vocab, "gemma4"};
  const int L = s.n_layer, E = s.n_embd, first_shared = L - s.n_shared;
  std::vector<bool> sliding(L);
  std::vector<uint32_t> n_ff(L);
  for (int i = 0; i < L; ++i) {
    sliding[i] = i % s.full_every != s.full_every - 1;
    n_ff[i] = i < first_shared ? s.n_ff_own : s.n_ff_shared;
  }
  p.metadata = [s, sliding, n_ff](gguf::Writer& w) {
    w.set_u32("gemma4.context_length", 131072);
    w.set_u32("gemma4.embedding_length", s.n_embd);
    w.set_u32("gemma4.block_count", s.n_layer);
    w.set_u32_array("gemma4.feed_forward_length", n_ff);
    w.set_u32("gemma4.attention.head_count", s.n_head);
    w.set_u32("gemma4.attention.head_count_kv", 1);
    w.set_u32("gemma4.attention.key_length", s.d_full);
    w.set_u32("gemma4.attention.value_length", s.d_full);
    w.set_u32("gemma4.attention.key_length_swa", s.d_swa);
    w.set_u32("gemma4.attention.value_length_swa", s.d_swa);
    w.set_u32("gemma4.rope.dimension_count", s.d_full);
    w.set_u32("gemma4.rope.dimension_count_swa", s.d_swa);
    w.set_f32("gemma4.rope.freq_base", 1000000.0f);
    w.set_f32("gemma4.rope.freq_base_swa", 10000.0f);
    w.set_u32("gemma4.attention.sliding_window", s.window);
    w.set_bool_array("gemma4.attention.sliding_window_pattern", sliding);
    w.set_u32("gemma4.attention.shared_kv_layers", s.n_shared);
    w.set_u32("gemma4.embedding_length_per_layer_input", s.n_ple);
    w.set_f32("gemma4.final_logit_softcapping", 30.0f);
    w.set_f32("gemma4.attention.layer_norm_rms_epsilon", 1e-6f);
  };
  p.embedding(E, s.n_vocab);
  const int64_t ple_width = static_cast<int64_t>(s.n_ple) * L;
  p.add(kPerLayerTokenEmbd, {ple_width, s.n_vocab}, Role::Embedding, 1.0f);
  p.matrix(kPerLayerModelProj, E, ple_width, Role::KeepHalfMatrix);
  p.norm(kPerLayerProjNorm, s.n_ple);
  // Proportional RoPE: a quarter of the full head's pairs rotate, the rest are frozen.
  TensorPlan freqs{kRopeFreqs, {s.d_full / 2}, Role::Vector, 0.0f, 0.0f, std::vector<float>(s.d_full / 2, 1e30f)};
  for (int i = 0; i < s.d_full / 8; ++i) freqs.values[i] = 1.0f;
  p.tensors.push_back(std::move(freqs));
  for (int i = 0; i < L; ++i) {
    const int D = sliding[i] ? s.d_swa : s.d_full;
    p.norm(blk(i, kAttnNorm), E);
    p.matrix(blk(i, kAttnQ), E, s.n_head * D);
    p.norm(blk(i, kAttnQNorm), D);
    if (i < first_shared) {
      p.matrix(blk(i, kAttnK), E, D);
      p.matrix(blk(i, kAttnV), E, D, Role::AttnV);
      p.norm(blk(i, kAttnKNorm), D);
    }
    p.matrix(blk(i, kAttnOutput), s.n_head * D, E);
    p.norm(blk(i, kPostAttentionNorm), E);
    p.norm(blk(i, kFfnNorm), E);
    p.matrix(blk(i, kFfnGate), E, n_ff[i]);
    p.matrix(blk(i, kFfnUp), E, n_ff[i]);
    p.matrix(blk(i, kFfnDown), n_ff[i], E, Role::FfnDown);
    p.norm(blk(i, kPostFfwNorm), E);
    p.matrix(blk(i, kPleInpGate), E, s.n_ple);
    p.matrix(blk(i, kPleProj), s.n_ple, E);
    p.norm(blk(i, kPlePostNorm), E);
    p.add(blk(i, kLayerOutputScale), {1}, Role::Vector, 0.0f, 1.0f);
  }
  p.norm(kOutputNorm, E);
  return p;
}

}  // namespace

Plan gemma4_plan(const std::string& preset) {
  if (preset == "tiny") return make_gemma4(kTiny);
  if (preset == "e2b") return make_gemma4(kE2B);
  throw Error("unknown preset '" + preset + "' for gemma4 (available: tiny, e2b)");
}

}  // namespace edgelm::synth
