// Synthetic Qwen3.5 models: the trunk of the published shapes (ARCHITECTURES.md
// §3.1; no MTP block) with the tensor names and metadata keys llama.cpp's
// converter writes, so other GGUF engines load the files too.
#include <cmath>

#include "edgelm/error.h"
#include "models/synth_plan.h"

namespace edgelm::models::synth {
namespace {

struct Qwen35Shape {
  int n_embd, n_layer, n_ff;
  int n_head, n_head_kv, head_dim, n_rot;
  int rope_sections[4];
  int ssm_k_heads, ssm_v_heads, ssm_head_dim, conv_kernel;
  int full_attention_interval;
  int n_vocab;
  int64_t n_ctx;
  const char* name;
};

// Test-sized, the shape of the golden models in ../shared/golden/qwen35.
constexpr Qwen35Shape kTiny = {128, 8, 256, 2, 1, 64, 16, {3, 3, 2, 0}, 4, 4, 32, 4, 4, 512, 4096,
                               "qwen35 tiny (synthetic)"};
// Qwen3.5 0.8B and 2B: 24 layers (18 delta-net + 6 full attention), 8/2 heads
// of 256 with 64 rotated dims, linear attention 16/16 heads of 128, tied head.
constexpr Qwen35Shape k0_8B = {1024, 24, 3584, 8, 2, 256, 64, {11, 11, 10, 0}, 16, 16, 128, 4, 4, 248320, 262144,
                               "qwen35 0.8B (synthetic)"};
constexpr Qwen35Shape k2B = {2048, 24, 6144, 8, 2, 256, 64, {11, 11, 10, 0}, 16, 16, 128, 4, 4, 248320, 262144,
                             "qwen35 2B (synthetic)"};

float inv_sqrt(int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); }

void add(Plan& p, const std::string& name, std::vector<int64_t> ne, Role role, float scale, float offset = 0.0f) {
  TensorPlan t;
  t.name = name;
  t.ne = std::move(ne);
  t.role = role;
  t.scale = scale;
  t.offset = offset;
  p.tensors.push_back(std::move(t));
}

void add_norm(Plan& p, const std::string& name, int64_t n) { add(p, name, {n}, Role::Norm, 0.1f, 1.0f); }

void add_matrix(Plan& p, const std::string& name, int64_t cols, int64_t rows, Role role = Role::Matrix) {
  add(p, name, {cols, rows}, role, inv_sqrt(cols));
}

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

void add_delta_net(Plan& p, const std::string& b, const Qwen35Shape& s) {
  const int E = s.n_embd;
  const int64_t key_dim = int64_t{s.ssm_k_heads} * s.ssm_head_dim;
  const int64_t value_dim = int64_t{s.ssm_v_heads} * s.ssm_head_dim;
  const int64_t channels = 2 * key_dim + value_dim;
  add_matrix(p, b + "attn_qkv.weight", E, channels, Role::AttnV);
  add_matrix(p, b + "attn_gate.weight", E, value_dim);
  add(p, b + "ssm_conv1d.weight", {s.conv_kernel, channels}, Role::KeepF32Matrix, inv_sqrt(s.conv_kernel));
  add(p, b + "ssm_dt.bias", {s.ssm_v_heads}, Role::Vector, 0.1f, 1.0f);
  // A = -exp(A_log): negative decay rates, here in [-1.7, -0.3].
  add(p, b + "ssm_a", {s.ssm_v_heads}, Role::Vector, 0.2f, -1.0f);
  add_matrix(p, b + "ssm_beta.weight", E, s.ssm_v_heads);
  add_matrix(p, b + "ssm_alpha.weight", E, s.ssm_v_heads);
  add_norm(p, b + "ssm_norm.weight", s.ssm_head_dim);
  add_matrix(p, b + "ssm_out.weight", value_dim, E);
}

void add_attention(Plan& p, const std::string& b, const Qwen35Shape& s) {
  const int E = s.n_embd, D = s.head_dim;
  add_matrix(p, b + "attn_q.weight", E, 2 * s.n_head * D);   // per head: query rows, then gate rows
  add_matrix(p, b + "attn_k.weight", E, s.n_head_kv * D);
  add_matrix(p, b + "attn_v.weight", E, s.n_head_kv * D, Role::AttnV);
  add_matrix(p, b + "attn_output.weight", s.n_head * D, E);
  add_norm(p, b + "attn_q_norm.weight", D);
  add_norm(p, b + "attn_k_norm.weight", D);
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
  add(p, "token_embd.weight", {E, s.n_vocab}, Role::Embedding, 2.0f * inv_sqrt(E));   // tied LM head
  for (int i = 0; i < s.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    add_norm(p, b + "attn_norm.weight", E);
    const bool full = (i + 1) % s.full_attention_interval == 0;
    if (full) add_attention(p, b, s);
    else add_delta_net(p, b, s);
    add_norm(p, b + "post_attention_norm.weight", E);
    add_matrix(p, b + "ffn_gate.weight", E, s.n_ff);
    add_matrix(p, b + "ffn_up.weight", E, s.n_ff);
    add_matrix(p, b + "ffn_down.weight", s.n_ff, E, Role::FfnDown);
  }
  add_norm(p, "output_norm.weight", E);
  return p;
}

}  // namespace

Plan qwen35_plan(const std::string& preset) {
  if (preset == "tiny") return make_qwen35(kTiny);
  if (preset == "0.8b") return make_qwen35(k0_8B);
  if (preset == "2b") return make_qwen35(k2B);
  throw Error("unknown preset '" + preset + "' for qwen35 (available: tiny, 0.8b, 2b)");
}

}  // namespace edgelm::models::synth
