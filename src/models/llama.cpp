// Llama: x += attn(rms_norm(x)); x += swiglu_ffn(rms_norm(x)); logits = head(rms_norm(x)).
// ARCHITECTURES.md §2.1.
#include "models/llama.h"

#include <cmath>

#include "edgelm/error.h"

namespace edgelm::models {

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
  rope_freqs_ = w.opt_vector("rope_freqs.weight", n_rot / 2);
  rope.freq_factors = rope_freqs_;

  token_embd_ = w.table("token_embd.weight", E, hp_.n_vocab);
  layers_.resize(hp_.n_layer);
  for (int i = 0; i < hp_.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    Layer& L = layers_[i];
    L.attn_norm = w.vector(p + "attn_norm.weight", E);
    AttentionLayer& a = L.attn;
    a = load_attention(w, i, E, {static_cast<int>(n_head[i]), static_cast<int>(n_head_kv[i]), head_dim, options.qk_norm});
    a.rope = rope;
    a.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    L.ffn_norm = w.vector(p + "ffn_norm.weight", E);
    const int F = static_cast<int>(n_ff[i]);
    L.ffn.gate = w.matrix(p + "ffn_gate.weight", E, F);
    L.ffn.up = w.matrix(p + "ffn_up.weight", E, F);
    L.ffn.down = w.matrix(p + "ffn_down.weight", F, E);
    L.ffn.b_gate = w.opt_vector(p + "ffn_gate.bias", F);
    L.ffn.b_up = w.opt_vector(p + "ffn_up.bias", F);
    L.ffn.b_down = w.opt_vector(p + "ffn_down.bias", E);
    L.ffn.act = FfnLayer::Act::Silu;
  }
  head_ = load_output_head(w, token_embd_, E, hp_.n_vocab);
  hp_.layer_kinds.assign(hp_.n_layer, LayerKind::Full);
  weight_bytes_ = w.used_bytes();
  matrices_ = w.matrices();
  auto extra = w.unused();
  if (!extra.empty()) throw Error("unexpected tensor " + gguf::quoted(extra.front()) + " for architecture " + gguf::quoted(arch));
}

std::vector<memory::LayerMemorySpec> LlamaModel::memory_specs() const {
  std::vector<memory::LayerMemorySpec> specs(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    specs[i].kind = memory::LayerMemorySpec::Kind::Kv;
    specs[i].n_head_kv = layers_[i].attn.n_head_kv;
    specs[i].head_dim_k = specs[i].head_dim_v = layers_[i].attn.head_dim;
  }
  return specs;
}

void LlamaModel::forward(ForwardContext& ctx, memory::State& state, const int32_t* tokens, int n,
                         float* logits, bool all_logits) const {
  const int E = hp_.n_embd;
  float* x = ctx.buf(ForwardContext::X, static_cast<size_t>(n) * E);
  float* h = ctx.buf(ForwardContext::H, static_cast<size_t>(n) * E);
  float* y = ctx.buf(ForwardContext::Out, static_cast<size_t>(n) * E);
  embed_tokens(token_embd_, tokens, n, 1.0f, x);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& L = layers_[i];
    const auto section = layer_section(hp_, i);
    norm_rows(ctx, x, L.attn_norm, h, n, E, hp_.eps);
    attention_forward(ctx, state, L.attn, hp_.eps, h, n, E, y);
    kernels::add(x, y, n * E);
    norm_rows(ctx, x, L.ffn_norm, h, n, E, hp_.eps);
    ffn_forward(ctx, L.ffn, h, n, E, y);
    kernels::add(x, y, n * E);
  }
  output_forward(ctx, head_, hp_.eps, x, n, E, all_logits, logits);
  state.advance(n);
}

std::unique_ptr<Model> load_llama(std::unique_ptr<gguf::File> file) {
  return std::make_unique<LlamaModel>(std::move(file), "llama", LlamaModel::Options{});
}

}  // namespace edgelm::models
