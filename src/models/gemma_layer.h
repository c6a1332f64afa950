// The Gemma block shared by Gemma 3 and Gemma 4: attention and GeGLU FFN,
// each with a norm before it and another on its output ("sandwich" norms).
#pragma once
#include "models/blocks.h"

namespace edgelm::models {

struct GemmaLayer {
  const float* attn_norm = nullptr;
  AttentionLayer attn;
  const float* post_attention_norm = nullptr;
  const float* ffn_norm = nullptr;
  FfnLayer ffn;
  const float* post_ffw_norm = nullptr;
};

// Loads the tensors every Gemma layer has, for a layer of the given width.
void load_gemma_layer(Weights& w, int layer, int n_embd, int n_ff, GemmaLayer& out);

// x += post_norm(attn(pre_norm(x))); x += post_norm(ffn(pre_norm(x)))
void gemma_layer_forward(ForwardContext& ctx, memory::State& state, const GemmaLayer& L, float eps, float* x,
                         int n, int n_embd);

// x += rms_norm(y) * w, row by row (y is overwritten).
void add_normed(ForwardContext& ctx, float* x, float* y, const float* w, int n, int dim, float eps);

}  // namespace edgelm::models
