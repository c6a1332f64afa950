#include "models/gemma_layer.h"

namespace edgelm::models {

void load_gemma_layer(Weights& w, int layer, int E, int64_t F, GemmaLayer& L) {
  const std::string p = "blk." + std::to_string(layer) + ".";
  L.attn_norm = w.vector(p + "attn_norm.weight", E);
  L.post_attention_norm = w.vector(p + "post_attention_norm.weight", E);
  L.ffn_norm = w.vector(p + "ffn_norm.weight", E);
  L.post_ffw_norm = w.vector(p + "post_ffw_norm.weight", E);
  L.ffn = load_ffn(w, layer, E, F);
}

void add_normed(ForwardContext& ctx, float* x, float* y, const float* w, int n, int dim, float eps) {
  norm_rows(ctx, y, w, y, n, dim, eps);
  kernels::add(x, y, n * dim);
}

}  // namespace edgelm::models
