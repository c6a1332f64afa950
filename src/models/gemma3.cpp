// Gemma 3: scaled embeddings, sandwich-normed attention/GeGLU layers, a 5:1
// interleave of sliding-window and global layers with their own RoPE bases.
// docs/ARCHITECTURES.md §2.3.
#include <cmath>

#include "edgelm/error.h"
#include "models/gemma_layer.h"

namespace edgelm::models {

using namespace tensor_names;
namespace {

class Gemma3Model : public Model {
 public:
  explicit Gemma3Model(std::unique_ptr<gguf::File> file);
  void forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                     float* logits, bool all_logits) const override;

 protected:
  std::unique_ptr<Activations> new_activations(int max_rows) const override;

 private:
  void layer(ForwardContext& ctx, std::span<const Segment> segments, int i, TransformerActivations& act, int n) const;
  // Layer i slides iff i mod P < P-1 (pattern key absent: P = 6).
  static std::vector<bool> sliding_layers(const Metadata& meta, int n_layer);

  kernels::MatrixView token_embd_;
  std::vector<GemmaLayer> layers_;
  OutputHead head_;
};

std::vector<bool> Gemma3Model::sliding_layers(const Metadata& meta, int n_layer) {
  std::vector<bool> sliding(n_layer, false);
  if (meta.opt_int("attention.sliding_window", 0) <= 0) return sliding;
  const gguf::Value* v = meta.file().find(meta.key("attention.sliding_window_pattern"));
  if (v && v->is_array()) return meta.per_layer_bool("attention.sliding_window_pattern", n_layer);
  const int64_t period = meta.opt_int("attention.sliding_window_pattern", 6);
  if (period <= 0) throw Error("'" + meta.key("attention.sliding_window_pattern") + "' must be positive");
  for (int i = 0; i < n_layer; ++i) sliding[i] = i % period < period - 1;
  return sliding;
}

Gemma3Model::Gemma3Model(std::unique_ptr<gguf::File> file) {
  file_ = std::move(file);
  Metadata meta(*file_, "gemma3");
  Weights w(*file_);
  read_base_hparams(meta, hp_);
  const int E = hp_.n_embd;
  const auto n_head = meta.per_layer_int("attention.head_count", hp_.n_layer, std::nullopt);
  const auto n_head_kv = meta.per_layer_int("attention.head_count_kv", hp_.n_layer, n_head[0]);
  const auto n_ff = meta.per_layer_int("feed_forward_length", hp_.n_layer, std::nullopt);
  const int D = static_cast<int>(meta.opt_int("attention.key_length", E / n_head[0]));
  const int window = static_cast<int>(meta.opt_int("attention.sliding_window", 0));
  const std::vector<bool> sliding = sliding_layers(meta, hp_.n_layer);
  // HF's query_pre_attn_scalar: head dim, except the 62-layer 27B uses E/H.
  const float scale = 1.0f / std::sqrt(static_cast<float>(hp_.n_layer == 62 ? E / n_head[0] : D));

  kernels::RopeParams rope_global;
  rope_global.n_rot = D;
  rope_global.mode = kernels::RopeMode::Neox;
  rope_global.freq_base = meta.opt_float("rope.freq_base", 10000.0f);
  rope_global.freq_scale = read_rope_freq_scale(meta);
  kernels::RopeParams rope_local = rope_global;
  rope_local.freq_base = meta.opt_float("rope.freq_base_swa", 10000.0f);
  rope_local.freq_scale = 1.0f;

  token_embd_ = w.table(kTokenEmbd, E, hp_.n_vocab);
  layers_.resize(hp_.n_layer);
  for (int i = 0; i < hp_.n_layer; ++i) {
    GemmaLayer& L = layers_[i];
    load_gemma_layer(w, i, E, n_ff[i], L);
    AttentionLayer& a = L.attn;
    a = load_attention(w, i, E, {static_cast<int>(n_head[i]), static_cast<int>(n_head_kv[i]), D, true});
    a.rope = sliding[i] ? rope_local : rope_global;
    a.window = sliding[i] ? window : 0;
    a.scale = scale;
    add_layer(kv_spec(a), &a, L.ffn);
  }
  head_ = load_output_head(w, token_embd_, E, hp_.n_vocab);
  head_.softcap = meta.opt_float("final_logit_softcapping", 0.0f);
  for (bool s : sliding) hp_.layer_kinds.push_back(s ? LayerKind::Sliding : LayerKind::Full);
  finish_loading(w);
}

std::unique_ptr<Activations> Gemma3Model::new_activations(int rows) const {
  return std::make_unique<TransformerActivations>(rows, hp_.n_embd, widths_);
}

// x += post_norm(attention(pre_norm(x)));  x += post_norm(geglu_ffn(pre_norm(x)))
// where attention = Wo·attend(rope(norm(Wq h)), rope(norm(Wk h)), Wv h), each
// layer with its own window and RoPE base.
void Gemma3Model::layer(ForwardContext& ctx, std::span<const Segment> segments, int i, TransformerActivations& act,
                        int n) const {
  const GemmaLayer& L = layers_[i];
  const AttentionLayer& a = L.attn;
  const int E = hp_.n_embd;
  float* x = act.x.data();
  float* h = act.h.data();
  float* y = act.y.data();

  norm_rows(ctx, x, L.attn_norm, h, n, E, hp_.eps);
  project_qkv(ctx, a, h, n, act.attn);
  norm_qk(a, act.attn.q.data(), act.attn.k.data(), n, hp_.eps);
  rope_cache_attend(ctx, segments, a, act.attn);   // each conversation at its own positions
  linear(ctx, a.wo, a.bo, act.attn.out.data(), n, y);
  tap(ctx, i, "attn_proj", y, n, E);
  add_normed(ctx, x, y, L.post_attention_norm, n, E, hp_.eps);

  norm_rows(ctx, x, L.ffn_norm, h, n, E, hp_.eps);
  gated_ffn(ctx, L.ffn, kernels::geglu, h, n, act.ffn, y);
  add_normed(ctx, x, y, L.post_ffw_norm, n, E, hp_.eps);
  tap(ctx, i, "l_out", x, n, E);
}

void Gemma3Model::forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                                float* logits, bool all_logits) const {
  check_segments(segments, n);
  const int E = hp_.n_embd;
  TransformerActivations& act = activations<TransformerActivations>(ctx, n);
  embed_tokens(token_embd_, tokens, n, std::sqrt(static_cast<float>(E)), act.x.data());
  tap(ctx, -1, "inp_embd", act.x.data(), n, E);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto section = layer_section(hp_, i);
    layer(ctx, segments, static_cast<int>(i), act, n);
  }
  output_forward(ctx, head_, hp_.eps, act.x.data(), segments, n, E, all_logits, act.h.data(), logits);
  advance_segments(segments);
}

}  // namespace

std::unique_ptr<Model> load_gemma3(std::unique_ptr<gguf::File> file) {
  return std::make_unique<Gemma3Model>(std::move(file));
}

}  // namespace edgelm::models
