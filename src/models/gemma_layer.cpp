#include "models/gemma_layer.h"

namespace edgelm::models {

void load_gemma_layer(Weights& w, int layer, int E, int F, GemmaLayer& L) {
  const std::string p = "blk." + std::to_string(layer) + ".";
  L.attn_norm = w.vector(p + "attn_norm.weight", E);
  L.post_attention_norm = w.vector(p + "post_attention_norm.weight", E);
  L.ffn_norm = w.vector(p + "ffn_norm.weight", E);
  L.post_ffw_norm = w.vector(p + "post_ffw_norm.weight", E);
  L.ffn.gate = w.matrix(p + "ffn_gate.weight", E, F);
  L.ffn.up = w.matrix(p + "ffn_up.weight", E, F);
  L.ffn.down = w.matrix(p + "ffn_down.weight", F, E);
  L.ffn.act = FfnLayer::Act::Gelu;
}

void add_normed(ForwardContext& ctx, float* x, float* y, const float* w, int n, int dim, float eps) {
  norm_rows(ctx, y, w, y, n, dim, eps);
  kernels::add(x, y, n * dim);
}

void gemma_layer_forward(ForwardContext& ctx, memory::State& state, const GemmaLayer& L, float eps, float* x,
                         int n, int E) {
  float* h = ctx.buf(ForwardContext::H, static_cast<size_t>(n) * E);
  float* y = ctx.buf(ForwardContext::Out, static_cast<size_t>(n) * E);
  norm_rows(ctx, x, L.attn_norm, h, n, E, eps);
  attention_forward(ctx, state, L.attn, eps, h, n, E, y);
  add_normed(ctx, x, y, L.post_attention_norm, n, E, eps);
  norm_rows(ctx, x, L.ffn_norm, h, n, E, eps);
  ffn_forward(ctx, L.ffn, h, n, E, y);
  add_normed(ctx, x, y, L.post_ffw_norm, n, E, eps);
}

}  // namespace edgelm::models
