// Qwen3: the Llama block with a per-head RMS norm on Q and K before NEOX RoPE.
// docs/ARCHITECTURES.md §2.2.
#include "models/llama.h"

namespace edgelm::models {

std::unique_ptr<Model> load_qwen3(std::unique_ptr<gguf::File> file) {
  LlamaModel::Options options;
  options.qk_norm = true;
  options.rope_mode = kernels::RopeMode::Neox;
  return std::make_unique<LlamaModel>(std::move(file), "qwen3", options);
}

}  // namespace edgelm::models
