// Shapes of the synthetic models, per architecture and preset. Real presets
// follow the published configurations (ARCHITECTURES.md §3); tiny presets are
// test-sized with every layer kind present.
#include <cmath>

#include "edgelm/error.h"
#include "models/synth_plan.h"

namespace edgelm::models::synth {

namespace {

float inv_sqrt(int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); }

void add_norm(Plan& p, const std::string& name, int64_t n) { p.tensors.push_back({name, {n}, Role::Norm, 0.1f, 1.0f, {}}); }

void add_matrix(Plan& p, const std::string& name, int64_t cols, int64_t rows, Role role = Role::Matrix) {
  p.tensors.push_back({name, {cols, rows}, role, inv_sqrt(cols), 0.0f, {}});
}

void add_embedding(Plan& p, int64_t n_embd, int64_t n_vocab) {
  p.tensors.push_back({"token_embd.weight", {n_embd, n_vocab}, Role::Embedding, 2.0f * inv_sqrt(n_embd), 0.0f, {}});
}

// The attention + gated FFN tensors every transformer layer here has.
void add_attention_ffn(Plan& p, const std::string& b, int E, int H, int Hkv, int D, int F, bool qk_norm) {
  add_matrix(p, b + "attn_q.weight", E, H * D);
  add_matrix(p, b + "attn_k.weight", E, Hkv * D);
  add_matrix(p, b + "attn_v.weight", E, Hkv * D, Role::AttnV);
  add_matrix(p, b + "attn_output.weight", H * D, E);
  if (qk_norm) {
    add_norm(p, b + "attn_q_norm.weight", D);
    add_norm(p, b + "attn_k_norm.weight", D);
  }
  add_norm(p, b + "ffn_norm.weight", E);
  add_matrix(p, b + "ffn_gate.weight", E, F);
  add_matrix(p, b + "ffn_up.weight", E, F);
  add_matrix(p, b + "ffn_down.weight", F, E, Role::FfnDown);
}

// ---- llama and qwen3: plain pre-norm transformers -------------------------

struct DenseShape {
  int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab;
  int64_t n_ctx;
  float rope_base, eps;
  const char* name;
};

Plan dense_plan(const std::string& arch, const DenseShape& s, VocabPlan vocab, bool qk_norm) {
  Plan p;
  p.arch = arch;
  p.name = s.name;
  p.vocab = vocab;
  p.metadata = [arch, s](gguf::Writer& w) {
    w.set_u32(arch + ".context_length", static_cast<uint32_t>(s.n_ctx));
    w.set_u32(arch + ".embedding_length", s.n_embd);
    w.set_u32(arch + ".block_count", s.n_layer);
    w.set_u32(arch + ".feed_forward_length", s.n_ff);
    w.set_u32(arch + ".attention.head_count", s.n_head);
    w.set_u32(arch + ".attention.head_count_kv", s.n_head_kv);
    w.set_u32(arch + ".attention.key_length", s.head_dim);
    w.set_u32(arch + ".attention.value_length", s.head_dim);
    w.set_u32(arch + ".rope.dimension_count", s.head_dim);
    w.set_f32(arch + ".rope.freq_base", s.rope_base);
    w.set_f32(arch + ".attention.layer_norm_rms_epsilon", s.eps);
  };
  add_embedding(p, s.n_embd, s.n_vocab);
  for (int i = 0; i < s.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    add_norm(p, b + "attn_norm.weight", s.n_embd);
    add_attention_ffn(p, b, s.n_embd, s.n_head, s.n_head_kv, s.head_dim, s.n_ff, qk_norm);
  }
  add_norm(p, "output_norm.weight", s.n_embd);
  return p;
}

// Llama 3.2 1B: 16 layers, d 2048, 32/8 heads of 64, FFN 8192, 128256 tokens, tied head.
constexpr DenseShape kLlamaTiny = {64, 2, 4, 2, 16, 192, 512, 2048, 10000.0f, 1e-5f, "llama tiny (synthetic)"};
constexpr DenseShape kLlama1B = {2048, 16, 32, 8, 64, 8192, 128256, 131072, 500000.0f, 1e-5f, "llama 1B (synthetic)"};
// Qwen3 0.6B / 1.7B: 28 layers, 16/8 heads of 128, 151936 tokens, tied head.
constexpr DenseShape kQwen3Tiny = {128, 2, 4, 2, 32, 256, 1024, 4096, 1000000.0f, 1e-6f, "qwen3 tiny (synthetic)"};
constexpr DenseShape kQwen3_06B = {1024, 28, 16, 8, 128, 3072, 151936, 40960, 1000000.0f, 1e-6f, "qwen3 0.6B (synthetic)"};
constexpr DenseShape kQwen3_17B = {2048, 28, 16, 8, 128, 6144, 151936, 40960, 1000000.0f, 1e-6f, "qwen3 1.7B (synthetic)"};

// ---- gemma3 --------------------------------------------------------------

struct Gemma3Shape {
  int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, window;
  int64_t n_ctx;
  const char* name;
};

// Gemma 3 1B: 26 layers, d 1152, 4/1 heads of 256, FFN 6912, window 512, 5:1 pattern.
constexpr Gemma3Shape kGemma3Tiny = {128, 6, 4, 2, 32, 256, 512, 16, 4096, "gemma3 tiny (synthetic)"};
constexpr Gemma3Shape kGemma3_1B = {1152, 26, 4, 1, 256, 6912, 262144, 512, 32768, "gemma3 1B (synthetic)"};

Plan gemma3_plan(const Gemma3Shape& s) {
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
  add_embedding(p, s.n_embd, s.n_vocab);
  for (int i = 0; i < s.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    add_norm(p, b + "attn_norm.weight", s.n_embd);
    add_attention_ffn(p, b, s.n_embd, s.n_head, s.n_head_kv, s.head_dim, s.n_ff, true);
    add_norm(p, b + "post_attention_norm.weight", s.n_embd);
    add_norm(p, b + "post_ffw_norm.weight", s.n_embd);
  }
  add_norm(p, "output_norm.weight", s.n_embd);
  return p;
}

// ---- gemma4 --------------------------------------------------------------

struct Gemma4Shape {
  int n_embd, n_layer, n_head, d_swa, d_full, n_ff_own, n_ff_shared, n_vocab, window, n_shared, n_ple;
  int full_every;   // layer i is full iff i % full_every == full_every - 1
  const char* name;
};

// Gemma 4 E2B: 35 layers (every 5th full), d 1536, 8/1 heads of 256 (sliding) or
// 512 (full), FFN 6144 / 12288 (shared layers), PLE 256 per layer, 20 shared-KV layers.
constexpr Gemma4Shape kGemma4Tiny = {128, 6, 4, 32, 64, 256, 512, 1024, 12, 3, 32, 3, "gemma4 tiny (synthetic)"};
constexpr Gemma4Shape kGemma4E2B = {1536, 35, 8, 256, 512, 6144, 12288, 262144, 512, 20, 256, 5, "gemma4 E2B (synthetic)"};

Plan gemma4_plan(const Gemma4Shape& s) {
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
  add_embedding(p, E, s.n_vocab);
  const int64_t ple_width = static_cast<int64_t>(s.n_ple) * L;
  p.tensors.push_back({"per_layer_token_embd.weight", {ple_width, s.n_vocab}, Role::Embedding, 1.0f, 0.0f, {}});
  p.tensors.push_back({"per_layer_model_proj.weight", {E, ple_width}, Role::KeepHalfMatrix, inv_sqrt(E), 0.0f, {}});
  add_norm(p, "per_layer_proj_norm.weight", s.n_ple);
  // Proportional RoPE: a quarter of the full head's pairs rotate, the rest are frozen.
  std::vector<float> freqs(s.d_full / 2, 1e30f);
  for (int i = 0; i < s.d_full / 8; ++i) freqs[i] = 1.0f;
  p.tensors.push_back({"rope_freqs.weight", {s.d_full / 2}, Role::Vector, 0.0f, 0.0f, freqs});
  for (int i = 0; i < L; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    const int D = sliding[i] ? s.d_swa : s.d_full;
    add_norm(p, b + "attn_norm.weight", E);
    add_matrix(p, b + "attn_q.weight", E, s.n_head * D);
    add_norm(p, b + "attn_q_norm.weight", D);
    if (i < first_shared) {
      add_matrix(p, b + "attn_k.weight", E, D);
      add_matrix(p, b + "attn_v.weight", E, D, Role::AttnV);
      add_norm(p, b + "attn_k_norm.weight", D);
    }
    add_matrix(p, b + "attn_output.weight", s.n_head * D, E);
    add_norm(p, b + "post_attention_norm.weight", E);
    add_norm(p, b + "ffn_norm.weight", E);
    add_matrix(p, b + "ffn_gate.weight", E, n_ff[i]);
    add_matrix(p, b + "ffn_up.weight", E, n_ff[i]);
    add_matrix(p, b + "ffn_down.weight", n_ff[i], E, Role::FfnDown);
    add_norm(p, b + "post_ffw_norm.weight", E);
    add_matrix(p, b + "inp_gate.weight", E, s.n_ple);
    add_matrix(p, b + "proj.weight", s.n_ple, E);
    add_norm(p, b + "post_norm.weight", E);
    p.tensors.push_back({b + "layer_output_scale.weight", {1}, Role::Vector, 0.0f, 1.0f, {}});
  }
  add_norm(p, "output_norm.weight", E);
  return p;
}

}  // namespace

std::vector<std::string> preset_list() {
  return {"llama: tiny 1b", "qwen3: tiny 0.6b 1.7b", "gemma3: tiny 1b", "gemma4: tiny e2b", "qwen35: tiny 0.8b 2b"};
}

Plan make_plan(const std::string& arch, const std::string& preset) {
  auto unknown = [&](const char* available) {
    return Error("unknown preset '" + preset + "' for " + arch + " (available: " + available + ")");
  };
  if (arch == "llama") {
    if (preset == "tiny") return dense_plan(arch, kLlamaTiny, {"llama", kLlamaTiny.n_vocab, ""}, false);
    if (preset == "1b") return dense_plan(arch, kLlama1B, {"llama", kLlama1B.n_vocab, ""}, false);
    throw unknown("tiny, 1b");
  }
  if (arch == "qwen3") {
    if (preset == "tiny") return dense_plan(arch, kQwen3Tiny, {"gpt2", kQwen3Tiny.n_vocab, "qwen2"}, true);
    if (preset == "0.6b") return dense_plan(arch, kQwen3_06B, {"gpt2", kQwen3_06B.n_vocab, "qwen2"}, true);
    if (preset == "1.7b" || preset == "1b") return dense_plan(arch, kQwen3_17B, {"gpt2", kQwen3_17B.n_vocab, "qwen2"}, true);
    throw unknown("tiny, 0.6b, 1.7b");
  }
  if (arch == "gemma3") {
    if (preset == "tiny") return gemma3_plan(kGemma3Tiny);
    if (preset == "1b") return gemma3_plan(kGemma3_1B);
    throw unknown("tiny, 1b");
  }
  if (arch == "gemma4") {
    if (preset == "tiny") return gemma4_plan(kGemma4Tiny);
    if (preset == "e2b") return gemma4_plan(kGemma4E2B);
    throw unknown("tiny, e2b");
  }
  if (arch == "qwen35") return qwen35_plan(preset);
  throw Error("synth does not know architecture '" + arch + "' (available: llama, qwen3, gemma3, gemma4, qwen35)");
}

}  // namespace edgelm::models::synth
