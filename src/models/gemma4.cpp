// Gemma 4 (E2B and dense siblings): the Gemma block with a weightless V norm,
// unscaled attention, per-type head dims and RoPE, per-layer embeddings (PLE)
// feeding a small residual branch in every layer, KV sharing for the last
// layers, a per-layer output scalar and final logit soft-capping.
// docs/ARCHITECTURES.md §2.4.
#include <cmath>

#include "edgelm/error.h"
#include "models/gemma_layer.h"

namespace edgelm::models {

using namespace tensor_names;
namespace {

// The transformer's activations plus the per-layer inputs of every token.
struct Gemma4Activations : TransformerActivations {
  Gemma4Activations(int rows, int n_embd, const BlockWidths& widths, int n_ple, int n_layer)
      : TransformerActivations(rows, n_embd, widths),
        ple(floats(rows, int64_t{n_ple} * n_layer)),
        ple_context(floats(rows, int64_t{n_ple} * n_layer)),
        ple_gate(floats(rows, n_ple)) {}
  std::vector<float> ple;           // per-layer inputs [rows][n_layer][P]
  std::vector<float> ple_context;   // their projection of the embeddings [rows][n_layer][P]
  std::vector<float> ple_gate;      // one layer's gelu(inp_gate x) * ple [rows][P]
  uint64_t bytes() const override {
    return TransformerActivations::bytes() + bytes_of(ple) + bytes_of(ple_context) + bytes_of(ple_gate);
  }
};

class Gemma4Model : public Model {
 public:
  explicit Gemma4Model(std::unique_ptr<gguf::File> file);
  void forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                     float* logits, bool all_logits) const override;

 protected:
  std::unique_ptr<Activations> new_activations(int max_rows) const override;

 private:
  struct Layer {
    GemmaLayer block;
    kernels::MatrixView ple_gate, ple_proj;   // per-layer-input branch
    const float* ple_post_norm = nullptr;
    float output_scale = 1.0f;
  };
  void load_layer(Weights& w, const Metadata& meta, int i);
  void layer(ForwardContext& ctx, std::span<const Segment> segments, int i, Gemma4Activations& act, int n) const;
  // Per-layer inputs of every token: act.ple[t][layer][P].
  void per_layer_inputs(ForwardContext& ctx, const int32_t* tokens, int n, Gemma4Activations& act) const;
  // x += post_norm(proj(gelu(gate x) * ple)) with layer i's per-layer input.
  void ple_branch(ForwardContext& ctx, int i, Gemma4Activations& act, int n) const;

  kernels::MatrixView token_embd_, ple_table_, ple_model_proj_;
  const float* ple_proj_norm_ = nullptr;
  int n_ple_ = 0;          // P: per-layer input width (0 disables PLE)
  int first_shared_ = 0;   // layers from here on reuse an earlier layer's KV
  std::vector<bool> sliding_;
  std::vector<Layer> layers_;
  OutputHead head_;
};

// HF rule: a shared layer reads the KV of the last non-shared layer of its type.
int kv_source(const std::vector<bool>& sliding, int layer, int first_shared) {
  if (layer < first_shared) return layer;
  for (int j = first_shared - 1; j >= 0; --j)
    if (sliding[j] == sliding[layer]) return j;
  throw Error("gemma4: shared-KV layer " + std::to_string(layer) + " has no earlier layer of its type to read from");
}

Gemma4Model::Gemma4Model(std::unique_ptr<gguf::File> file) {
  file_ = std::move(file);
  Metadata meta(*file_, "gemma4");
  Weights w(*file_);
  read_base_hparams(meta, hp_);
  for (int i = 0; i < hp_.n_layer; ++i)
    if (w.has(blk(i, kFfnGateInp)))
      throw Error("gemma4 mixture-of-experts models (tensor '" + blk(i, kFfnGateInp) + "') are not supported");
  const int E = hp_.n_embd, L = hp_.n_layer;
  sliding_ = meta.per_layer_bool("attention.sliding_window_pattern", L);
  const int64_t shared = meta.opt_int("attention.shared_kv_layers", 0);
  if (shared < 0 || shared >= L) throw Error("'gemma4.attention.shared_kv_layers' must be in [0, block_count)");
  first_shared_ = static_cast<int>(L - shared);
  n_ple_ = static_cast<int>(meta.req_int("embedding_length_per_layer_input"));
  if (n_ple_ < 0 || n_ple_ > 65536) throw Error("implausible 'gemma4.embedding_length_per_layer_input'");

  token_embd_ = w.table(kTokenEmbd, E, hp_.n_vocab);
  if (n_ple_ > 0) {
    ple_table_ = w.table(kPerLayerTokenEmbd, static_cast<int64_t>(n_ple_) * L, hp_.n_vocab);
    ple_model_proj_ = w.matrix(kPerLayerModelProj, E, static_cast<int64_t>(n_ple_) * L);
    ple_proj_norm_ = w.vector(kPerLayerProjNorm, n_ple_);
  }
  layers_.resize(L);
  for (int i = 0; i < L; ++i) load_layer(w, meta, i);
  head_ = load_output_head(w, token_embd_, E, hp_.n_vocab);
  head_.softcap = meta.opt_float("final_logit_softcapping", 30.0f);   // llama.cpp's default when absent
  for (int i = 0; i < L; ++i) {
    const bool s = sliding_[i], sh = i >= first_shared_;
    hp_.layer_kinds.push_back(sh ? (s ? LayerKind::SharedSliding : LayerKind::SharedFull)
                                 : (s ? LayerKind::Sliding : LayerKind::Full));
  }
  finish_loading(w);
}

void Gemma4Model::load_layer(Weights& w, const Metadata& meta, int i) {
  const int E = hp_.n_embd, L = hp_.n_layer;
  const auto n_head = meta.per_layer_int("attention.head_count", L, std::nullopt);
  const auto n_head_kv = meta.per_layer_int("attention.head_count_kv", L, n_head[0]);
  const auto n_ff = meta.per_layer_int("feed_forward_length", L, std::nullopt);
  const int d_full = static_cast<int>(meta.req_int("attention.key_length"));
  const int d_swa = static_cast<int>(meta.req_int("attention.key_length_swa"));
  if (meta.opt_int("attention.value_length", d_full) != d_full || meta.opt_int("attention.value_length_swa", d_swa) != d_swa)
    throw Error("gemma4: value_length must equal key_length (and the same for *_swa)");
  const bool sliding = sliding_[i];
  const int D = sliding ? d_swa : d_full;
  const int Hkv = static_cast<int>(n_head_kv[i]);
  const int source = kv_source(sliding_, i, first_shared_);

  Layer& layer = layers_[i];
  load_gemma_layer(w, i, E, n_ff[i], layer.block);
  AttentionLayer& a = layer.block.attn;
  a = load_attention(w, i, E, {static_cast<int>(n_head[i]), Hkv, D, true, source == i});
  a.kv_layer = source;
  a.scale = 1.0f;
  a.window = sliding ? static_cast<int>(meta.req_int("attention.sliding_window")) : 0;
  if (!a.owns_kv) {
    const AttentionLayer& src = layers_[a.kv_layer].block.attn;
    if (src.head_dim != D || src.n_head_kv != Hkv)
      throw Error("gemma4: layer " + std::to_string(i) + " cannot share the KV of layer " + std::to_string(a.kv_layer));
    for (const char* unused : {kAttnK, kAttnV, kAttnKNorm}) w.skip(blk(i, unused));
  }
  kernels::RopeParams& rope = a.rope;
  rope.mode = kernels::RopeMode::Neox;
  rope.n_rot = static_cast<int>(sliding ? meta.opt_int("rope.dimension_count_swa", D) : meta.opt_int("rope.dimension_count", D));
  if (rope.n_rot <= 0 || rope.n_rot > D || rope.n_rot % 2) throw Error("gemma4: invalid rope dimension count for layer " + std::to_string(i));
  rope.freq_base = sliding ? meta.opt_float("rope.freq_base_swa", 10000.0f) : meta.opt_float("rope.freq_base", 10000.0f);
  // Full layers rotate only part of each head ("proportional" RoPE): the
  // file's frequency factors freeze the other pairs.
  if (!sliding) rope.freq_factors = w.opt_vector(kRopeFreqs, rope.n_rot / 2);

  if (n_ple_ > 0) {
    layer.ple_gate = w.matrix(blk(i, kPleInpGate), E, n_ple_);
    layer.ple_proj = w.matrix(blk(i, kPleProj), n_ple_, E);
    layer.ple_post_norm = w.vector(blk(i, kPlePostNorm), E);
  }
  if (const float* s = w.opt_vector(blk(i, kLayerOutputScale), 1)) layer.output_scale = *s;
  add_layer(kv_spec(a), &a, layer.block.ffn);   // a shared-KV layer carries no memory
}

std::unique_ptr<Activations> Gemma4Model::new_activations(int rows) const {
  return std::make_unique<Gemma4Activations>(rows, hp_.n_embd, widths_, n_ple_, hp_.n_layer);
}

void Gemma4Model::per_layer_inputs(ForwardContext& ctx, const int32_t* tokens, int n, Gemma4Activations& act) const {
  const int P = n_ple_, L = hp_.n_layer, E = hp_.n_embd;
  const int64_t width = static_cast<int64_t>(P) * L;
  linear(ctx, ple_model_proj_, nullptr, act.x.data(), n, act.ple_context.data());
  const float s_proj = 1.0f / std::sqrt(static_cast<float>(E));
  const float s_token = std::sqrt(static_cast<float>(P));
  const float s_mix = 1.0f / std::sqrt(2.0f);
  for (int t = 0; t < n; ++t) {
    float* pc = act.ple_context.data() + t * width;
    float* out = act.ple.data() + t * width;
    kernels::dequantize_rows(ple_table_, tokens[t], out);   // token-identity part
    kernels::scale(pc, s_proj, static_cast<int>(width));
    for (int l = 0; l < L; ++l) kernels::rms_norm(pc + l * P, ple_proj_norm_, pc + l * P, P, hp_.eps);
    for (int64_t j = 0; j < width; ++j) out[j] = (pc[j] + out[j] * s_token) * s_mix;
  }
}

void Gemma4Model::ple_branch(ForwardContext& ctx, int i, Gemma4Activations& act, int n) const {
  const Layer& L = layers_[i];
  const int P = n_ple_, E = hp_.n_embd;
  const int64_t stride = static_cast<int64_t>(P) * hp_.n_layer;
  const float* ple = act.ple.data() + static_cast<int64_t>(i) * P;
  float* g = act.ple_gate.data();
  linear(ctx, L.ple_gate, nullptr, act.x.data(), n, g);
  for (int t = 0; t < n; ++t) kernels::geglu(g + t * P, ple + t * stride, g + t * P, P);   // gelu(g) * ple
  linear(ctx, L.ple_proj, nullptr, g, n, act.y.data());
  add_normed(ctx, act.x.data(), act.y.data(), L.ple_post_norm, n, E, hp_.eps);
}

// x += post_norm(attention(pre_norm(x)));  x += post_norm(geglu_ffn(pre_norm(x)));
// x += ple_branch(x);  x *= output_scale
// where attention = Wo·attend(rope(norm(Wq h)), rope(norm(Wk h)), norm(Wv h))
// with unit scale; a shared-KV layer computes no K/V and reads an earlier
// layer's cache.
void Gemma4Model::layer(ForwardContext& ctx, std::span<const Segment> segments, int i, Gemma4Activations& act,
                        int n) const {
  const Layer& L = layers_[i];
  const GemmaLayer& B = L.block;
  const AttentionLayer& a = B.attn;
  const int E = hp_.n_embd;
  float* x = act.x.data();
  float* h = act.h.data();
  float* y = act.y.data();

  norm_rows(ctx, x, B.attn_norm, h, n, E, hp_.eps);
  linear(ctx, a.wq, a.bq, h, n, act.attn.q.data());
  norm_heads(act.attn.q.data(), a.q_norm, n, a.n_head, a.head_dim, hp_.eps);
  if (a.owns_kv) {
    linear(ctx, a.wk, a.bk, h, n, act.attn.k.data());
    linear(ctx, a.wv, a.bv, h, n, act.attn.v.data());
    norm_heads(act.attn.k.data(), a.k_norm, n, a.n_head_kv, a.head_dim, hp_.eps);
    norm_heads(act.attn.v.data(), nullptr, n, a.n_head_kv, a.head_dim, hp_.eps);   // weightless
  }
  for (const Segment& s : segments) {   // each conversation at its own positions, in its own cache
    const int64_t pos = s.state->n_past();
    memory::LayerKv& cache = s.state->kv(a.kv_layer);
    float* q = act.attn.q.data() + int64_t{s.begin} * a.q_dim();
    rope(ctx, a.rope, q, s.n, pos, a.n_head, a.head_dim);
    tap(ctx, i, "q_rope", q, s.n, a.q_dim());
    if (a.owns_kv) {
      float* k = act.attn.k.data() + int64_t{s.begin} * a.kv_dim();
      rope(ctx, a.rope, k, s.n, pos, a.n_head_kv, a.head_dim);
      tap(ctx, i, "k_rope", k, s.n, a.kv_dim());
      store_kv(cache, k, act.attn.v.data() + int64_t{s.begin} * a.kv_dim(), s.n, pos, a.kv_dim());
    }
    attend(ctx, cache, a, q, s.n, pos, act.attn.out.data() + int64_t{s.begin} * a.q_dim());
  }
  linear(ctx, a.wo, a.bo, act.attn.out.data(), n, y);
  tap(ctx, i, "attn_proj", y, n, E);
  add_normed(ctx, x, y, B.post_attention_norm, n, E, hp_.eps);

  norm_rows(ctx, x, B.ffn_norm, h, n, E, hp_.eps);
  gated_ffn(ctx, B.ffn, kernels::geglu, h, n, act.ffn, y);
  add_normed(ctx, x, y, B.post_ffw_norm, n, E, hp_.eps);

  if (n_ple_ > 0) ple_branch(ctx, i, act, n);
  if (L.output_scale != 1.0f) kernels::scale(x, L.output_scale, n * E);
  tap(ctx, i, "l_out", x, n, E);
}

void Gemma4Model::forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                                float* logits, bool all_logits) const {
  check_segments(segments, n);
  const int E = hp_.n_embd;
  Gemma4Activations& act = activations<Gemma4Activations>(ctx, n);
  embed_tokens(token_embd_, tokens, n, std::sqrt(static_cast<float>(E)), act.x.data());
  tap(ctx, -1, "inp_embd", act.x.data(), n, E);
  if (n_ple_ > 0) per_layer_inputs(ctx, tokens, n, act);
  for (int i = 0; i < hp_.n_layer; ++i) {
    const auto section = layer_section(hp_, static_cast<size_t>(i));
    layer(ctx, segments, i, act, n);
  }
  output_forward(ctx, head_, hp_.eps, act.x.data(), segments, n, E, all_logits, act.h.data(), logits);
  advance_segments(segments);
}

}  // namespace

std::unique_ptr<Model> load_gemma4(std::unique_ptr<gguf::File> file) {
  return std::make_unique<Gemma4Model>(std::move(file));
}

}  // namespace edgelm::models
