// Llama: x += attn(rms_norm(x)); x += swiglu_ffn(rms_norm(x)); logits = head(rms_norm(x)).
// docs/ARCHITECTURES.md §2.1.
#include "models/llama.h"

#include <cmath>

#include "edgelm/error.h"

namespace edgelm::models {

using namespace tensor_names;

LlamaModel::LlamaModel(std::unique_ptr<gguf::File> file, const std::string& arch, Options options) {
  file_ = std::move(file);
  Metadata meta(*file_, arch);
  Weights w(*file_);
  read_base_hparams(meta, hp_);
  const int E = hp_.n_embd;
  const auto n_head = meta.per_layer_int("attention.head_count", hp_.n_layer, std::nullopt);
  const auto n_head_kv = meta.per_layer_int("attention.head_count_kv", hp_.n_layer, n_head[0]);
  const auto n_ff = meta.per_layer_int("feed_forward_length", hp_.n_layer, std::nullopt);
  const int head_dim = static_cast<int>(meta.opt_int("attention.key_length", E / n_head[0]));
  if (meta.opt_int("attention.value_length", head_dim) != head_dim)
    throw Error("'" + meta.key("attention.value_length") + "' differs from key_length (unsupported)");
  const int n_rot = static_cast<int>(meta.opt_int("rope.dimension_count", head_dim));
  if (n_rot != head_dim) throw Error("'" + meta.key("rope.dimension_count") + "' must equal the head dimension");

  kernels::RopeParams rope;
  rope.n_rot = n_rot;
  rope.freq_base = meta.opt_float("rope.freq_base", 10000.0f);
  rope.freq_scale = read_rope_freq_scale(meta);
  rope.mode = options.rope_mode;
  rope_freqs_ = w.opt_vector(kRopeFreqs, n_rot / 2);
  rope.freq_factors = rope_freqs_;

  token_embd_ = w.table(kTokenEmbd, E, hp_.n_vocab);
  layers_.resize(hp_.n_layer);
  for (int i = 0; i < hp_.n_layer; ++i) {
    Layer& L = layers_[i];
    L.attn_norm = w.vector(blk(i, kAttnNorm), E);
    AttentionLayer& a = L.attn;
    a = load_attention(w, i, E, {static_cast<int>(n_head[i]), static_cast<int>(n_head_kv[i]), head_dim, options.qk_norm});
    a.rope = rope;
    a.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    L.ffn_norm = w.vector(blk(i, kFfnNorm), E);
    L.ffn = load_ffn(w, i, E, n_ff[i]);
    add_layer(kv_spec(a), &a, L.ffn);
  }
  head_ = load_output_head(w, token_embd_, E, hp_.n_vocab);
  hp_.layer_kinds.assign(hp_.n_layer, LayerKind::Full);
  finish_loading(w);
}

void LlamaModel::before_rope(const AttentionLayer&, float*, float*, int) const {}

std::unique_ptr<Activations> LlamaModel::new_activations(int rows) const {
  return std::make_unique<TransformerActivations>(rows, hp_.n_embd, widths_);
}

void LlamaModel::attention(ForwardContext& ctx, std::span<const Segment> segments, int i, TransformerActivations& act,
                           int n) const {
  const AttentionLayer& a = layers_[i].attn;
  project_qkv(ctx, a, act.h.data(), n, act.attn);
  tap(ctx, i, "q", act.attn.q.data(), n, a.q_dim());
  tap(ctx, i, "k", act.attn.k.data(), n, a.kv_dim());
  tap(ctx, i, "v", act.attn.v.data(), n, a.kv_dim());
  before_rope(a, act.attn.q.data(), act.attn.k.data(), n);
  rope_cache_attend(ctx, segments, a, act.attn);   // each conversation at its own positions
  linear(ctx, a.wo, a.bo, act.attn.out.data(), n, act.y.data());
}

void LlamaModel::forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                               float* logits, bool all_logits) const {
  check_segments(segments, n);
  const int E = hp_.n_embd;
  TransformerActivations& act = activations<TransformerActivations>(ctx, n);
  float* x = act.x.data();
  float* h = act.h.data();
  float* y = act.y.data();
  embed_tokens(token_embd_, tokens, n, 1.0f, x);
  tap(ctx, -1, "inp_embd", x, n, E);
  for (int i = 0; i < hp_.n_layer; ++i) {
    const Layer& L = layers_[i];
    const auto section = layer_section(hp_, i);
    norm_rows(ctx, x, L.attn_norm, h, n, E, hp_.eps);
    tap(ctx, i, "attn_norm", h, n, E);
    attention(ctx, segments, i, act, n);
    tap(ctx, i, "attn_proj", y, n, E);
    kernels::add(x, y, n * E);
    norm_rows(ctx, x, L.ffn_norm, h, n, E, hp_.eps);
    tap(ctx, i, "ffn_norm", h, n, E);
    gated_ffn(ctx, L.ffn, kernels::swiglu, h, n, act.ffn, y);
    kernels::add(x, y, n * E);
    tap(ctx, i, "l_out", x, n, E);
  }
  output_forward(ctx, head_, hp_.eps, x, segments, n, E, all_logits, h, logits);
  advance_segments(segments);
}

std::unique_ptr<Model> load_llama(std::unique_ptr<gguf::File> file) {
  return std::make_unique<LlamaModel>(std::move(file), "llama", LlamaModel::Options{});
}

}  // namespace edgelm::models
