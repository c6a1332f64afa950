// What `edgelm synth` writes for one architecture and preset: metadata and
// the list of tensors with their shapes and roles. The roles decide the
// storage type (docs/FORMATS.md §2.8) and the random initialisation.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf.h"

namespace edgelm::synth {

enum class Role {
  Norm,          // 1-D, F32, values near 1
  Vector,        // other 1-D F32 data (biases, SSM vectors): small values
  Matrix,        // a quantizable weight matrix
  AttnV,         // attn_v / attn_qkv: gets more bits in Q4_K_M
  FfnDown,       // ffn_down: gets more bits in Q4_K_M
  Embedding,     // token embedding (tied head): Q6_K in quantized mixes
  KeepF32Matrix, // matrices llama-quantize never quantizes (e.g. conv kernels)
  KeepHalfMatrix // matrices kept in the source half type (per_layer_model_proj)
};

struct TensorPlan {
  std::string name;
  std::vector<int64_t> ne;
  Role role = Role::Matrix;
  float scale = 1.0f;       // standard deviation (or value offset for Norm)
  float offset = 0.0f;      // added to every value (norms: 1, SSM A: negative)
  std::vector<float> values; // exact contents instead of random values (e.g. rope_freqs)
};

struct VocabPlan {
  std::string model = "llama";      // tokenizer.ggml.model: llama (SPM), gpt2 (byte-level BPE), gemma4
  int n_vocab = 512;
  std::string pre;                  // tokenizer.ggml.pre for gpt2 vocabularies (qwen2, qwen35, llama-bpe)
};

struct Plan {
  std::string arch;
  std::string name;
  VocabPlan vocab;
  std::function<void(gguf::Writer&)> metadata;   // architecture keys
  std::vector<TensorPlan> tensors;

  // Adds a tensor named with models::tensor_names (blk(i, ...) for a layer's).
  void add(const std::string& name, std::vector<int64_t> ne, Role role, float scale, float offset = 0.0f);
  // A norm weight: values near 1.
  void norm(const std::string& name, int64_t n);
  // A [rows][cols] weight matrix with values of deviation 1/sqrt(cols).
  void matrix(const std::string& name, int64_t cols, int64_t rows, Role role = Role::Matrix);
  // The token embedding [n_vocab][n_embd] (also the tied output head).
  void embedding(int64_t n_embd, int64_t n_vocab);
  // Layer i's attention projections (and per-head Q/K norms), the pre-FFN
  // norm and the gated FFN: what every transformer layer here carries.
  void attention_and_ffn(int i, int n_embd, int n_head, int n_head_kv, int head_dim, int64_t n_ff, bool qk_norm);
};

// The plans of each architecture, by preset name (one file each).
Plan dense_plan(const std::string& arch, const std::string& preset);   // llama, qwen3
Plan gemma3_plan(const std::string& preset);
Plan gemma4_plan(const std::string& preset);
Plan qwen35_plan(const std::string& preset);

// Builds the plan, or throws edgelm::Error for an unknown arch/preset.
Plan make_plan(const std::string& arch, const std::string& preset);
std::vector<std::string> preset_list();

// Writes tokenizer.ggml.* keys for a synthetic vocabulary.
void write_vocab(gguf::Writer& w, const VocabPlan& vocab);

}  // namespace edgelm::synth
