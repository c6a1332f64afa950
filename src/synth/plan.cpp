// The plan helpers and the table of architectures and their presets.
#include "synth/plan.h"

#include <cmath>

#include "edgelm/error.h"
#include "models/tensor_names.h"

namespace edgelm::synth {

namespace {
float inv_sqrt(int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); }
}  // namespace

void Plan::add(const std::string& name, std::vector<int64_t> ne, Role role, float scale, float offset) {
  TensorPlan t;
  t.name = name;
  t.ne = std::move(ne);
  t.role = role;
  t.scale = scale;
  t.offset = offset;
  tensors.push_back(std::move(t));
}

void Plan::norm(const std::string& name, int64_t n) { add(name, {n}, Role::Norm, 0.1f, 1.0f); }

void Plan::matrix(const std::string& name, int64_t cols, int64_t rows, Role role) {
  add(name, {cols, rows}, role, inv_sqrt(cols));
}

void Plan::embedding(int64_t n_embd, int64_t n_vocab) {
  add(models::tensor_names::kTokenEmbd, {n_embd, n_vocab}, Role::Embedding, 2.0f * inv_sqrt(n_embd));
}

void Plan::attention_and_ffn(int i, int E, int H, int Hkv, int D, int64_t F, bool qk_norm) {
  using namespace models::tensor_names;
  matrix(blk(i, kAttnQ), E, int64_t{H} * D);
  matrix(blk(i, kAttnK), E, int64_t{Hkv} * D);
  matrix(blk(i, kAttnV), E, int64_t{Hkv} * D, Role::AttnV);
  matrix(blk(i, kAttnOutput), int64_t{H} * D, E);
  if (qk_norm) {
    norm(blk(i, kAttnQNorm), D);
    norm(blk(i, kAttnKNorm), D);
  }
  norm(blk(i, kFfnNorm), E);
  matrix(blk(i, kFfnGate), E, F);
  matrix(blk(i, kFfnUp), E, F);
  matrix(blk(i, kFfnDown), F, E, Role::FfnDown);
}

std::vector<std::string> preset_list() {
  return {"llama: tiny 1b", "qwen3: tiny 0.6b 1.7b", "gemma3: tiny 1b", "gemma4: tiny e2b", "qwen35: tiny 0.8b 2b"};
}

Plan make_plan(const std::string& arch, const std::string& preset) {
  if (arch == "llama" || arch == "qwen3") return dense_plan(arch, preset);
  if (arch == "gemma3") return gemma3_plan(preset);
  if (arch == "gemma4") return gemma4_plan(preset);
  if (arch == "qwen35") return qwen35_plan(preset);
  throw Error("synth does not know architecture '" + arch + "' (available: llama, qwen3, gemma3, gemma4, qwen35)");
}

}  // namespace edgelm::synth
