// Synthetic Llama and Qwen3 models: plain pre-norm transformers (Qwen3 with
// per-head Q/K norms). Real presets follow the published configurations
// (docs/ARCHITECTURES.md §3); the tiny ones are test-sized.
#include "edgelm/error.h"
#include "models/tensor_names.h"
#include "synth/plan.h"

namespace edgelm::synth {
namespace {

using namespace models::tensor_names;

struct DenseShape {
  const char* name;
  int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab;
  int64_t n_ctx;
  float rope_base, eps;
  VocabPlan vocab;
  bool qk_norm;
};

const DenseShape kLlamaTiny = {.name = "llama tiny (synthetic)", .n_embd = 64, .n_layer = 2, .n_head = 4,
                                   .n_head_kv = 2, .head_dim = 16, .n_ff = 192, .n_vocab = 512, .n_ctx = 2048,
                                   .rope_base = 10000.0f, .eps = 1e-5f, .vocab = {"llama", 512, ""}, .qk_norm = false};
// Llama 3.2 1B: 16 layers, d 2048, 32/8 heads of 64, FFN 8192, 128256 tokens, tied head.
const DenseShape kLlama1B = {.name = "llama 1B (synthetic)", .n_embd = 2048, .n_layer = 16, .n_head = 32,
                             .n_head_kv = 8, .head_dim = 64, .n_ff = 8192, .n_vocab = 128256, .n_ctx = 131072,
                             .rope_base = 500000.0f, .eps = 1e-5f, .vocab = {"llama", 128256, ""}, .qk_norm = false};
const DenseShape kQwen3Tiny = {.name = "qwen3 tiny (synthetic)", .n_embd = 128, .n_layer = 2, .n_head = 4,
                               .n_head_kv = 2, .head_dim = 32, .n_ff = 256, .n_vocab = 1024, .n_ctx = 4096,
                               .rope_base = 1000000.0f, .eps = 1e-6f, .vocab = {"gpt2", 1024, "qwen2"}, .qk_norm = true};
// Qwen3 0.6B / 1.7B: 28 layers, 16/8 heads of 128, 151936 tokens, tied head.
const DenseShape kQwen3_06B = {.name = "qwen3 0.6B (synthetic)", .n_embd = 1024, .n_layer = 28, .n_head = 16,
                               .n_head_kv = 8, .head_dim = 128, .n_ff = 3072, .n_vocab = 151936, .n_ctx = 40960,
                               .rope_base = 1000000.0f, .eps = 1e-6f, .vocab = {"gpt2", 151936, "qwen2"},
                               .qk_norm = true};
const DenseShape kQwen3_17B = {.name = "qwen3 1.7B (synthetic)", .n_embd = 2048, .n_layer = 28, .n_head = 16,
                               .n_head_kv = 8, .head_dim = 128, .n_ff = 6144, .n_vocab = 151936, .n_ctx = 40960,
                               .rope_base = 1000000.0f, .eps = 1e-6f, .vocab = {"gpt2", 151936, "qwen2"},
                               .qk_norm = true};

Plan make_dense(const std::string& arch, const DenseShape& s) {
  Plan p;
  p.arch = arch;
  p.name = s.name;
  p.vocab = s.vocab;
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
  const int E = s.n_embd, D = s.head_dim;
  p.embedding(E, s.n_vocab);
  for (int i = 0; i < s.n_layer; ++i) {
    p.norm(blk(i, kAttnNorm), E);
    p.attention_and_ffn(i, E, s.n_head, s.n_head_kv, D, s.n_ff, s.qk_norm);
  }
  p.norm(kOutputNorm, E);
  return p;
}

}  // namespace

Plan dense_plan(const std::string& arch, const std::string& preset) {
  auto unknown = [&](const char* available) {
    return Error("unknown preset '" + preset + "' for " + arch + " (available: " + available + ")");
  };
  if (arch == "llama") {
    if (preset == "tiny") return make_dense(arch, kLlamaTiny);
    if (preset == "1b") return make_dense(arch, kLlama1B);
    throw unknown("tiny, 1b");
  }
  if (preset == "tiny") return make_dense(arch, kQwen3Tiny);
  if (preset == "0.6b") return make_dense(arch, kQwen3_06B);
  if (preset == "1.7b" || preset == "1b") return make_dense(arch, kQwen3_17B);
  throw unknown("tiny, 0.6b, 1.7b");
}

}  // namespace edgelm::synth
