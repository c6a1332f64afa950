// Qwen3: the Llama block with a per-head RMS norm on Q and K before NEOX RoPE.
// docs/ARCHITECTURES.md §2.2.
#include "models/llama.h"

namespace edgelm::models {
namespace {

class Qwen3Model : public LlamaModel {
 public:
  explicit Qwen3Model(std::unique_ptr<gguf::File> file)
      : LlamaModel(std::move(file), "qwen3", {.qk_norm = true, .rope_mode = kernels::RopeMode::Neox}) {}

 protected:
  // Qwen3's one change to the Llama layer: each head of Q and K is
  // RMS-normalised (attn_q_norm, attn_k_norm) before the rotation.
  void before_rope(const AttentionLayer& a, float* q, float* k, int n) const override {
    norm_qk(a, q, k, n, hp_.eps);
  }
};

}  // namespace

std::unique_ptr<Model> load_qwen3(std::unique_ptr<gguf::File> file) {
  return std::make_unique<Qwen3Model>(std::move(file));
}

}  // namespace edgelm::models
