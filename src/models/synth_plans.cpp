// Shapes of the synthetic models, per architecture and preset. Real presets
// follow the published configurations (ARCHITECTURES.md §3).
#include <cmath>

#include "edgelm/error.h"
#include "models/synth_plan.h"

namespace edgelm::models::synth {
namespace {

struct LlamaShape {
  int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab;
  int64_t n_ctx;
  float rope_base;
  const char* name;
};

constexpr LlamaShape kLlamaTiny = {64, 2, 4, 2, 16, 192, 512, 2048, 10000.0f, "llama tiny (synthetic)"};
// Llama 3.2 1B: 16 layers, d 2048, 32/8 heads of 64, FFN 8192, 128256 tokens, tied head.
constexpr LlamaShape kLlama1B = {2048, 16, 32, 8, 64, 8192, 128256, 131072, 500000.0f, "llama 1B (synthetic)"};

float inv_sqrt(int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); }

void add_norm(Plan& p, const std::string& name, int64_t n) {
  p.tensors.push_back({name, {n}, Role::Norm, 0.1f, 1.0f});
}

void add_matrix(Plan& p, const std::string& name, int64_t cols, int64_t rows, Role role = Role::Matrix) {
  p.tensors.push_back({name, {cols, rows}, role, inv_sqrt(cols), 0.0f});
}

Plan llama_plan(const LlamaShape& s) {
  Plan p;
  p.arch = "llama";
  p.name = s.name;
  p.vocab = {"llama", s.n_vocab};
  p.metadata = [s](gguf::Writer& w) {
    w.set_u32("llama.context_length", static_cast<uint32_t>(s.n_ctx));
    w.set_u32("llama.embedding_length", s.n_embd);
    w.set_u32("llama.block_count", s.n_layer);
    w.set_u32("llama.feed_forward_length", s.n_ff);
    w.set_u32("llama.attention.head_count", s.n_head);
    w.set_u32("llama.attention.head_count_kv", s.n_head_kv);
    w.set_u32("llama.attention.key_length", s.head_dim);
    w.set_u32("llama.attention.value_length", s.head_dim);
    w.set_u32("llama.rope.dimension_count", s.head_dim);
    w.set_f32("llama.rope.freq_base", s.rope_base);
    w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    w.set_u32("llama.vocab_size", s.n_vocab);
  };
  const int E = s.n_embd, D = s.head_dim;
  p.tensors.push_back({"token_embd.weight", {E, s.n_vocab}, Role::Embedding, 2.0f * inv_sqrt(E), 0.0f});
  for (int i = 0; i < s.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    add_norm(p, b + "attn_norm.weight", E);
    add_matrix(p, b + "attn_q.weight", E, s.n_head * D);
    add_matrix(p, b + "attn_k.weight", E, s.n_head_kv * D);
    add_matrix(p, b + "attn_v.weight", E, s.n_head_kv * D, Role::AttnV);
    add_matrix(p, b + "attn_output.weight", s.n_head * D, E);
    add_norm(p, b + "ffn_norm.weight", E);
    add_matrix(p, b + "ffn_gate.weight", E, s.n_ff);
    add_matrix(p, b + "ffn_up.weight", E, s.n_ff);
    add_matrix(p, b + "ffn_down.weight", s.n_ff, E, Role::FfnDown);
  }
  add_norm(p, "output_norm.weight", E);
  return p;
}

}  // namespace

std::vector<std::string> preset_list() { return {"llama: tiny 1b"}; }

Plan make_plan(const std::string& arch, const std::string& preset) {
  if (arch == "llama") {
    if (preset == "tiny") return llama_plan(kLlamaTiny);
    if (preset == "1b") return llama_plan(kLlama1B);
    throw Error("unknown preset '" + preset + "' for llama (available: tiny, 1b)");
  }
  throw Error("synth does not know architecture '" + arch + "' (available: llama)");
}

}  // namespace edgelm::models::synth
