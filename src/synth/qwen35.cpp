// Synthetic Qwen3.5 models: the trunk of the published shapes (docs/ARCHITECTURES.md
// §3.1; no MTP block) with the tensor names and metadata keys llama.cpp's
// converter writes, so other GGUF engines load the files too.
#include <cmath>

#include "edgelm/error.h"
#include "models/tensor_names.h"
#include "synth/plan.h"

namespace edgelm::synth {
namespace {

using namespace models::tensor_names;

struct Qwen35Shape {
  const char* name;
  int n_embd, n_layer, n_ff;
  int n_head, n_head_kv, head_dim, n_rot;    // gated attention layers
  int rope_sections[4];
  int ssm_k_heads, ssm_v_heads, ssm_head_dim, conv_kernel;   // delta-net layers
  int full_attention_interval;               // every n-th layer is full attention
  int n_vocab;
  int64_t n_ctx;
};

// Test-sized, the shape of the golden models in ../shared/golden/qwen35.
constexpr Qwen35Shape kTiny = {.name = "qwen35 tiny (synthetic)", .n_embd = 128, .n_layer = 8, .n_ff = 256,
                               .n_head = 2, .n_head_kv = 1, .head_dim = 64, .n_rot = 16,
                               .rope_sections = {3, 3, 2, 0}, .ssm_k_heads = 4, .ssm_v_heads = 4,
                               .ssm_head_dim = 32, .conv_kernel = 4, .full_attention_interval = 4, .n_vocab = 512,
                               .n_ctx = 4096};
// Qwen3.5 0.8B and 2B: 24 layers (18 delta-net + 6 full attention), 8/2 heads
// of 256 with 64 rotated dims, linear attention 16/16 heads of 128, tied head.
constexpr Qwen35Shape k0_8B = {.name = "qwen35 0.8B (synthetic)", .n_embd = 1024, .n_layer = 24, .n_ff = 3584,
                               .n_head = 8, .n_head_kv = 2, .head_dim = 256, .n_rot = 64,
                               .rope_sections = {11, 11, 10, 0}, .ssm_k_heads = 16, .ssm_v_heads = 16,
                               .ssm_head_dim = 128, .conv_kernel = 4, .full_attention_interval = 4,
                               .n_vocab = 248320, .n_ctx = 262144};
constexpr Qwen35Shape k2B = {.name = "qwen35 2B (synthetic)", .n_embd = 2048, .n_layer = 24, .n_ff = 6144,
                             .n_head = 8, .n_head_kv = 2, .head_dim = 256, .n_rot = 64,
                             .rope_sections = {11, 11, 10, 0}, .ssm_k_heads = 16, .ssm_v_heads = 16,
                             .ssm_head_dim = 128, .conv_kernel = 4, .full_attention_interval = 4,
                             .n_vocab = 248320, .n_ctx = 262144};

float inv_sqrt(int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); }

void set_metadata(gguf::Writer& w, const Qwen35Shape& s) {
  const std::string a = "qwen35.";
  w.set_u32(a + "context_length", static_cast<uint32_t>(s.n_ctx));
  w.set_u32(a + "embedding_length", s.n_embd);
  w.set_u32(a + "block_count", s.n_layer);
  w.set_u32(a + "nextn_predict_layers", 0);
  w.set_u32(a + "feed_forward_length", s.n_ff);
  w.set_u32(a + "attention.head_count", s.n_head);
  w.set_u32(a + "attention.head_count_kv", s.n_head_kv);
  w.set_u32(a + "attention.key_length", s.head_dim);
  w.set_u32(a + "attention.value_length", s.head_dim);
  w.set_f32(a + "attention.layer_norm_rms_epsilon", 1e-6f);
  w.set_f32(a + "rope.freq_base", 1e7f);
  w.set_u32(a + "rope.dimension_count", s.n_rot);
  w.set_i32_array(a + "rope.dimension_sections",
                  {s.rope_sections[0], s.rope_sections[1], s.rope_sections[2], s.rope_sections[3]});
  w.set_u32(a + "ssm.conv_kernel", s.conv_kernel);
  w.set_u32(a + "ssm.state_size", s.ssm_head_dim);
  w.set_u32(a + "ssm.group_count", s.ssm_k_heads);
  w.set_u32(a + "ssm.time_step_rank", s.ssm_v_heads);
  w.set_u32(a + "ssm.inner_size", s.ssm_v_heads * s.ssm_head_dim);
  w.set_u32(a + "full_attention_interval", s.full_attention_interval);
}

void add_delta_net(Plan& p, int i, const Qwen35Shape& s) {
  const int E = s.n_embd;
  const int64_t key_dim = int64_t{s.ssm_k_heads} * s.ssm_head_dim;
  const int64_t value_dim = int64_t{s.ssm_v_heads} * s.ssm_head_dim;
  const int64_t channels = 2 * key_dim + value_dim;
  p.matrix(blk(i, kAttnQkv), E, channels, Role::AttnV);
  p.matrix(blk(i, kAttnGate), E, value_dim);
  p.add(blk(i, kSsmConv1d), {s.conv_kernel, channels}, Role::KeepF32Matrix, inv_sqrt(s.conv_kernel));
  p.add(blk(i, kSsmDtBias), {s.ssm_v_heads}, Role::Vector, 0.1f, 1.0f);
  // A = -exp(A_log): negative decay rates, here in [-1.7, -0.3].
  p.add(blk(i, kSsmA), {s.ssm_v_heads}, Role::Vector, 0.2f, -1.0f);
  p.matrix(blk(i, kSsmBeta), E, s.ssm_v_heads);
  p.matrix(blk(i, kSsmAlpha), E, s.ssm_v_heads);
  p.norm(blk(i, kSsmNorm), s.ssm_head_dim);
  p.matrix(blk(i, kSsmOut), value_dim, E);
}

void add_gated_attention(Plan& p, int i, const Qwen35Shape& s) {
  const int E = s.n_embd, D = s.head_dim;
  p.matrix(blk(i, kAttnQ), E, 2 * s.n_head * D);   // per head: query rows, then gate rows
  p.matrix(blk(i, kAttnK), E, s.n_head_kv * D);
  p.matrix(blk(i, kAttnV), E, s.n_head_kv * D, Role::AttnV);
  p.matrix(blk(i, kAttnOutput), s.n_head * D, E);
  p.norm(blk(i, kAttnQNorm), D);
  p.norm(blk(i, kAttnKNorm), D);
}

Plan make_qwen35(const Qwen35Shape& s) {
  Plan p;
  p.arch = "qwen35";
  p.name = s.name;
  p.vocab.model = "gpt2";   // byte-level BPE, padded to the published vocabulary size
  p.vocab.n_vocab = s.n_vocab;
  p.vocab.pre = "qwen35";
  p.metadata = [s](gguf::Writer& w) { set_metadata(w, s); };
  const int E = s.n_embd;
  p.embedding(E, s.n_vocab);   // tied LM head
  for (int i = 0; i < s.n_layer; ++i) {
    p.norm(blk(i, kAttnNorm), E);
    const bool full = (i + 1) % s.full_attention_interval == 0;
    if (full) add_gated_attention(p, i, s);
    else add_delta_net(p, i, s);
    p.norm(blk(i, kPostAttentionNorm), E);
    p.matrix(blk(i, kFfnGate), E, s.n_ff);
    p.matrix(blk(i, kFfnUp), E, s.n_ff);
    p.matrix(blk(i, kFfnDown), s.n_ff, E, Role::FfnDown);
  }
  p.norm(kOutputNorm, E);
  return p;
}

}  // namespace

Plan qwen35_plan(const std::string& preset) {
  if (preset == "tiny") return make_qwen35(kTiny);
  if (preset == "0.8b") return make_qwen35(k0_8B);
  if (preset == "2b") return make_qwen35(k2B);
  throw Error("unknown preset '" + preset + "' for qwen35 (available: tiny, 0.8b, 2b)");
}

}  // namespace edgelm::synth
