// Random-weight models with the real published shapes, for benchmarks and
// demos (no download needed). The files are ordinary GGUF that other engines load.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace edgelm {

struct SynthOptions {
  std::string arch = "llama";     // llama, qwen3, gemma3, gemma4, qwen35
  std::string preset = "tiny";    // tiny, or the architecture's real sizes (1b, e2b, 2b, 0.8b ...)
  std::string type = "f16";       // f32, f16, bf16, q8_0, q4_0, q4_k_m
  uint64_t seed = 1;
  std::string output;
  int n_threads = 0;              // 0 = all hardware threads
};

// Writes the model to options.output; throws edgelm::Error on bad options.
void synthesize_model(const SynthOptions& options);

// "llama: tiny 1b" style lines, for --help.
std::vector<std::string> synth_presets();

}  // namespace edgelm
