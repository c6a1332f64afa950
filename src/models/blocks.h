// Building blocks shared by the architectures: embedding look-up, row norms,
// the steps of attention, the gated FFN and the output head. Each model file
// composes them in its own order.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/matmul/matmul.h"
#include "kernels/ops/ops.h"
#include "memory/state.h"
#include "models/loader.h"
#include "models/model.h"
#include "models/tensor_names.h"

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

// Reports x [rows][cols] to the session's activation tap, if one is set, as
// "blk.<layer>.<what>" ("<what>" alone for layer < 0).
void tap(ForwardContext& ctx, int layer, const char* what, const float* x, int rows, int64_t cols);

// ---- Named activations ----------------------------------------------------
// The tensors of one attention step, each [rows][width] for the widest layer.
struct AttentionActivations {
  std::vector<float> q;     // queries [rows][q_dim]
  std::vector<float> k;     // keys    [rows][kv_dim]
  std::vector<float> v;     // values  [rows][kv_dim]
  std::vector<float> out;   // softmax(q·kᵀ)·v per head, before Wo [rows][q_dim]
};

// The two halves of a gated FFN, [rows][n_ff].
struct FfnActivations {
  std::vector<float> gate;   // gate h, then act(gate h, up h)
  std::vector<float> up;     // up h
};

// ---- Attention, step by step ---------------------------------------------
// The weights and shape of one layer's attention. Each model file runs the
// steps below in its architecture's order (project Q/K/V, norm heads, rotate,
// store K/V, attend, gate, project out), so its attention reads like its paper.
struct AttentionLayer {
  kernels::MatrixView wq, wk, wv, wo;
  const float* bq = nullptr;
  const float* bk = nullptr;
  const float* bv = nullptr;
  const float* bo = nullptr;
  const float* q_norm = nullptr;
  const float* k_norm = nullptr;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  kernels::RopeParams rope;
  float scale = 1.0f;
  int window = 0;        // sliding window (0 = full causal)
  int layer = 0;         // this layer's index (names its activation taps)
  int kv_layer = 0;      // layer whose cache holds this layer's keys and values
  bool owns_kv = true;   // false: reads kv_layer's cache (Gemma 4's shared KV), has no K/V weights
  int q_dim() const { return n_head * head_dim; }
  int kv_dim() const { return n_head_kv * head_dim; }
};

// The projections (optional biases, Q/K norms) of layer `layer`'s attention
// under their GGUF names; checks the head counts. A layer that does not own
// its KV (Gemma 4 shared layers) loads only Q and the output.
struct AttentionShape {
  int n_head = 0, n_head_kv = 0, head_dim = 0;
  bool qk_norm = false;
  bool owns_kv = true;
};
AttentionLayer load_attention(Weights& w, int layer, int n_embd, const AttentionShape& shape);

// The KV cache a layer's attention needs (nothing for a layer that reads another's).
memory::LayerMemorySpec kv_spec(const AttentionLayer& a);

// Q, K and V of n rows: act.q = Wq h, act.k = Wk h, act.v = Wv h (+ biases).
void project_qkv(ForwardContext& ctx, const AttentionLayer& a, const float* h, int n, AttentionActivations& act);

// RMS norm of each head of n rows of n_heads x head_dim, in place (w = nullptr: weightless).
void norm_heads(float* x, const float* w, int n, int n_heads, int head_dim, float eps);
// Each head of Q and K normalised with the layer's q_norm / k_norm weights.
void norm_qk(const AttentionLayer& a, float* q, float* k, int n, float eps);

// Rotates each head of n rows at positions pos0, pos0 + 1, ...
void rope(ForwardContext& ctx, const kernels::RopeParams& rope, float* x, int n, int64_t pos0, int n_heads,
          int head_dim);

// Q and K rotated with the layer's RoPE.
void rope_qk(ForwardContext& ctx, const AttentionLayer& a, float* q, float* k, int n, int64_t pos0);

// Writes n rows of keys and values at positions pos0, ... into the cache.
void store_kv(memory::LayerKv& cache, const float* k, const float* v, int n, int64_t pos0, int kv_dim);

// softmax(q·kᵀ·scale)·v over the cache for n query rows at positions pos0...
// (causal, and windowed for a sliding layer), into out[n][q_dim].
void attend(ForwardContext& ctx, const memory::LayerKv& cache, const AttentionLayer& a, const float* q, int n,
            int64_t pos0, float* out);

// For each segment (one conversation): rotate its rows of Q and K at its own
// positions, append its K and V to its cache of layer a.kv_layer, and attend
// over that cache into act.out. Rows of act.q/k/v/out follow the segments.
void rope_cache_attend(ForwardContext& ctx, std::span<const Segment> segments, const AttentionLayer& a,
                       AttentionActivations& act);

// Embedding width, layer count, training context, norm epsilon and vocabulary
// size, checked for plausibility (hostile metadata must not drive allocations).
void read_base_hparams(const Metadata& meta, HParams& hp);

// ---- Gated feed-forward ----------------------------------------------------
struct FfnLayer {
  int layer = 0;
  kernels::MatrixView gate, up, down;
  const float* b_gate = nullptr;
  const float* b_up = nullptr;
  const float* b_down = nullptr;
};

// blk.<layer>.ffn_{gate,up,down}.weight (and their optional biases).
FfnLayer load_ffn(Weights& w, int layer, int n_embd, int64_t n_ff);

// act(gate, up, out, n): kernels::swiglu (SiLU) or kernels::geglu (GELU).
using GatedActivation = void (*)(const float* gate, const float* up, float* out, int n);

// out[n][E] = down( act(gate h, up h) ), with gate h and up h in `act`.
void gated_ffn(ForwardContext& ctx, const FfnLayer& ffn, GatedActivation activation, const float* h, int n,
               FfnActivations& act, float* out);

// y[n][rows] = W x[n] (+ bias)
void linear(ForwardContext& ctx, const kernels::MatrixView& w, const float* bias, const float* x, int n, float* y);

// ---- Activations of a whole transformer ----------------------------------
// Sizes for activation structs: rows × width floats, and a buffer's bytes.
inline size_t floats(int rows, int64_t width) { return static_cast<size_t>(rows) * static_cast<size_t>(width); }
inline uint64_t bytes_of(const std::vector<float>& v) { return v.size() * sizeof(float); }

// A transformer's activations: the residual stream, the current block's input
// and output, and the attention and FFN tensors. Families with more state
// (Gemma 4's per-layer inputs, Qwen3.5's delta net) extend it.
struct TransformerActivations : Activations {
  TransformerActivations(int rows, int n_embd, const BlockWidths& widths);
  std::vector<float> x;   // the residual stream [rows][E]
  std::vector<float> h;   // the current block's normalised input [rows][E]
  std::vector<float> y;   // the current block's output, before it joins x [rows][E]
  AttentionActivations attn;
  FfnActivations ffn;
  uint64_t bytes() const override;
};

struct OutputHead {
  const float* norm = nullptr;
  kernels::MatrixView weight;   // output.weight or the tied token embedding
  float softcap = 0.0f;
};

// Final norm + LM head for the last row of each segment, or for every row;
// `normed` holds the normalised rows ([n][n_embd] floats).
void output_forward(ForwardContext& ctx, const OutputHead& head, float eps, const float* x,
                    std::span<const Segment> segments, int n, int n_embd, bool all_logits, float* normed,
                    float* logits);

// Checks that segments cover rows [0, n) in order, with distinct states;
// advances each state by its rows after the pass (advance_segments).
void check_segments(std::span<const Segment> segments, int n);
void advance_segments(std::span<const Segment> segments);

// Loads the output head, tied to token_embd when output.weight is absent.
OutputHead load_output_head(Weights& w, const kernels::MatrixView& token_embd, int n_embd, int n_vocab);

// Number of vocabulary entries (rows of token_embd; checked against the tokenizer).
int read_vocab_size(const gguf::File& file);

// RoPE scaling of the file (`rope.scaling.*`): returns freq_scale.
float read_rope_freq_scale(const Metadata& meta);

}  // namespace edgelm::models
