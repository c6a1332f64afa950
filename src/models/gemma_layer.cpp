#include "models/gemma_layer.h"

namespace edgelm::models {

using namespace tensor_names;

void load_gemma_layer(Weights& w, int layer, int E, int64_t F, GemmaLayer& L) {
  L.attn_norm = w.vector(blk(layer, kAttnNorm), E);
  L.post_attention_norm = w.vector(blk(layer, kPostAttentionNorm), E);
  L.ffn_norm = w.vector(blk(layer, kFfnNorm), E);
  L.post_ffw_norm = w.vector(blk(layer, kPostFfwNorm), E);
  L.ffn = load_ffn(w, layer, E, F);
}

void add_normed(ForwardContext& ctx, float* x, float* y, const float* w, int n, int dim, float eps) {
  norm_rows(ctx, y, w, y, n, dim, eps);
  kernels::add(x, y, n * dim);
}

}  // namespace edgelm::models
