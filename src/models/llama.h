// The plain pre-norm transformer (Llama 2/3); Qwen3 is the same network with
// per-head Q/K norms and NEOX rotation, so it derives from this class
// (qwen3.cpp) and adds its norm between projection and rotation.
#pragma once
#include <vector>

#include "models/blocks.h"

namespace edgelm::models {

class LlamaModel : public Model {
 public:
  struct Options {
    bool qk_norm = false;                       // Qwen3: per-head RMS norm of Q and K
    kernels::RopeMode rope_mode = kernels::RopeMode::Normal;
  };
  LlamaModel(std::unique_ptr<gguf::File> file, const std::string& arch, Options options);

  void forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                     float* logits, bool all_logits) const override;

 protected:
  std::unique_ptr<Activations> new_activations(int max_rows) const override;
  // Between projecting and rotating Q and K: nothing in Llama (Qwen3 normalises them).
  virtual void before_rope(const AttentionLayer& a, float* q, float* k, int n) const;

 private:
  // The attention of layer i: y = Wo·attend(rope(norm(Wq h)), rope(norm(Wk h)), Wv h).
  // Each segment rotates, caches and attends at its own positions.
  void attention(ForwardContext& ctx, std::span<const Segment> segments, int i, TransformerActivations& act,
                 int n) const;

  struct Layer {
    const float* attn_norm = nullptr;
    AttentionLayer attn;
    const float* ffn_norm = nullptr;
    FfnLayer ffn;
  };
  kernels::MatrixView token_embd_;
  std::vector<Layer> layers_;
  OutputHead head_;
  const float* rope_freqs_ = nullptr;
};

}  // namespace edgelm::models
