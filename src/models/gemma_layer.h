// The tensors every Gemma layer (Gemma 3 and Gemma 4) carries: attention and a
// GeGLU FFN, each with a norm before it and another on its output ("sandwich"
// norms). The forward passes live in gemma3.cpp and gemma4.cpp.
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

// Loads the norms and the FFN of a Gemma layer (the attention is loaded by
// the model, whose shapes differ per layer).
void load_gemma_layer(Weights& w, int layer, int n_embd, int64_t n_ff, GemmaLayer& out);

// x += rms_norm(y) * w, row by row (y is overwritten).
void add_normed(ForwardContext& ctx, float* x, float* y, const float* w, int n, int dim, float eps);

}  // namespace edgelm::models
