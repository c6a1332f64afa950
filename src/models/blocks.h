// Building blocks shared by the architectures: embedding look-up, row norms,
// the attention block (every variant the five architectures need), the gated
// FFN and the output head. Model files compose these.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>

#include "kernels/matmul.h"
#include "kernels/ops.h"
#include "memory/state.h"
#include "models/loader.h"
#include "models/model.h"

namespace edgelm::models {

// x[t] = table[tokens[t]] * scale
void embed_tokens(const kernels::MatrixView& table, const int32_t* tokens, int n, float scale, float* x);

// y[r] = rms_norm(x[r]) * w for n rows of `dim` floats (w may be nullptr).
void norm_rows(ForwardContext& ctx, const float* x, const float* w, float* y, int n, int dim, float eps);

// Calls fn(row) for rows [0, n) of about `width` floats of work each, split
// across the pool when there is enough of it (a prompt's rows), inline for
// a single token.
template <typename Fn>
void for_each_row(ForwardContext& ctx, int n, int64_t width, const Fn& fn) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, width));
  ctx.pool.parallel_for(n, grain, [&](int, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) fn(r);
  });
}

// Per-head norm: rows of n_heads x head_dim, each head normalised separately.
void norm_heads(float* x, const float* w, int n_rows, int64_t row_stride, int n_heads, int head_dim, float eps);

struct AttentionLayer {
  kernels::MatrixView wq, wk, wv, wo;
  bool owns_kv = true;          // false: reads the cache of kv_layer (Gemma 4 shared KV)
  int kv_layer = 0;             // layer whose cache holds this layer's keys/values
  const float* bq = nullptr;
  const float* bk = nullptr;
  const float* bv = nullptr;
  const float* bo = nullptr;
  const float* q_norm = nullptr;
  const float* k_norm = nullptr;
  bool v_norm = false;          // weightless RMS norm of V (Gemma 4)
  bool output_gate = false;     // Q projection also carries a sigmoid output gate per head (Qwen3.5)
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  kernels::RopeParams rope;
  float scale = 1.0f;
  int window = 0;               // sliding window (0 = full causal)
};

// The projections (and optional biases, Q/K norms) of layer `layer`'s
// attention under their GGUF names; checks the head counts. A layer that
// does not own its KV (Gemma 4 shared layers) loads only Q and the output.
struct AttentionShape {
  int n_head = 0, n_head_kv = 0, head_dim = 0;
  bool qk_norm = false;
  bool owns_kv = true;
};
AttentionLayer load_attention(Weights& w, int layer, int n_embd, const AttentionShape& shape);

// Embedding width, layer count, training context, norm epsilon and vocabulary
// size, checked for plausibility (hostile metadata must not drive allocations).
void read_base_hparams(const Metadata& meta, HParams& hp);

// out[n][E] = attention block applied to the normalised input h[n][E] at
// positions state.n_past() ... (the state is not advanced here).
void attention_forward(ForwardContext& ctx, memory::State& state, const AttentionLayer& layer,
                       float eps, const float* h, int n, int n_embd, float* out);

struct FfnLayer {
  kernels::MatrixView gate, up, down;
  const float* b_gate = nullptr;
  const float* b_up = nullptr;
  const float* b_down = nullptr;
  enum class Act { Silu, Gelu } act = Act::Silu;
};

// out[n][E] = down( act(gate h) * (up h) )
void ffn_forward(ForwardContext& ctx, const FfnLayer& ffn, const float* h, int n, int n_embd, float* out);

// y[n][rows] = W x[n] (+ bias)
void linear(ForwardContext& ctx, const kernels::MatrixView& w, const float* bias, const float* x, int n, float* y);

struct OutputHead {
  const float* norm = nullptr;
  kernels::MatrixView weight;   // output.weight or the tied token embedding
  float softcap = 0.0f;
};

// Final norm + LM head for the last row of x, or for every row.
void output_forward(ForwardContext& ctx, const OutputHead& head, float eps, const float* x, int n,
                    int n_embd, bool all_logits, float* logits);

// Loads the output head, tied to token_embd when output.weight is absent.
OutputHead load_output_head(Weights& w, const kernels::MatrixView& token_embd, int n_embd, int n_vocab);

// Number of vocabulary entries (rows of token_embd; checked against the tokenizer).
int read_vocab_size(const gguf::File& file);

// RoPE scaling of the file (`rope.scaling.*`): returns freq_scale.
float read_rope_freq_scale(const Metadata& meta);

}  // namespace edgelm::models
