#include "edgelm/memory_plan.h"
#include "api/internals.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "api/model_impl.h"
#include "edgelm/bench.h"
#include "memory/state.h"

namespace edgelm {
namespace {

constexpr int64_t kMinContext = 256;

// Row-gathered tables are only touched one row per distinct token.
uint64_t cold_weight_bytes(const Model& model) {
  const gguf::File& f = internals(model).net->file();
  uint64_t cold = 0;
  if (const gguf::TensorInfo* t = f.find_tensor("per_layer_token_embd.weight")) cold += t->nbytes;
  if (f.find_tensor("output.weight"))
    if (const gguf::TensorInfo* t = f.find_tensor("token_embd.weight")) cold += t->nbytes;
  return cold;
}

// Activation buffers of one forward pass of n_batch tokens plus logits, the
// activation conversions and the per-thread attention tiles.
uint64_t scratch_bytes(const Model& model, int64_t n_ctx, int n_batch) {
  const ModelInfo& info = model.info();
  const uint64_t widest = 8ull * info.n_embd;   // q/gate/ffn rows are a few times n_embd wide
  return static_cast<uint64_t>(n_batch) * widest * 8 * sizeof(float) +
         static_cast<uint64_t>(info.n_vocab) * sizeof(float) * 2 + static_cast<uint64_t>(n_ctx) * 64 +
         (16ull << 20);
}

std::string mib(uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  return buf;
}

}  // namespace

std::string MemoryPlan::describe() const {
  return "context " + std::to_string(n_ctx) + ", KV " + kv_type_name(kv_type) + ": weights " + mib(weights_resident) +
         " (+" + mib(weights_cold) + " mapped, row-gathered), full-attention KV " + mib(kv_full) +
         ", sliding KV " + mib(kv_sliding) + ", recurrent state " + mib(recurrent) + ", scratch " + mib(scratch) +
         " = " + mib(total());
}

MemoryPlan plan_memory(const Model& model, int64_t n_ctx, KvType kv_type, int n_batch) {
  memory::StateOptions so;
  so.n_ctx = n_ctx;
  so.max_batch = n_batch;
  so.kv_type = to_kernels(kv_type);
  MemoryPlan p;
  p.n_ctx = n_ctx;
  p.kv_type = kv_type;
  p.weights_resident = token_cost(model, kv_type).weight_bytes;
  p.weights_cold = cold_weight_bytes(model);
  for (const memory::LayerMemorySpec& s : internals(model).net->memory_specs()) {
    const uint64_t b = memory::layer_bytes(s, so);
    if (s.kind == memory::LayerMemorySpec::Kind::Recurrent) p.recurrent += b;
    else if (s.window > 0) p.kv_sliding += b;
    else p.kv_full += b;
  }
  p.scratch = scratch_bytes(model, n_ctx, n_batch);
  return p;
}

MemoryPlan fit_memory_budget(const Model& model, uint64_t budget, int64_t max_ctx, int n_batch) {
  if (max_ctx <= 0) max_ctx = model.info().n_ctx_train > 0 ? model.info().n_ctx_train : 4096;
  MemoryPlan best;
  for (KvType kv : {KvType::F16, KvType::Q8_0, KvType::Q4}) {
    // Memory grows monotonically with the context: binary search the largest fit.
    int64_t lo = 0, hi = max_ctx;
    while (lo < hi) {
      const int64_t mid = (lo + hi + 1) / 2;
      if (plan_memory(model, mid, kv, n_batch).total() <= budget) lo = mid;
      else hi = mid - 1;
    }
    if (lo >= kMinContext && lo > best.n_ctx) best = plan_memory(model, lo, kv, n_batch);
    if (best.n_ctx == max_ctx) break;   // the accurate encoding already reaches the goal
  }
  if (best.n_ctx == 0)
    throw Error("the model does not fit the memory budget of " + mib(budget) + " even at a " +
                std::to_string(kMinContext) + "-token context: " +
                plan_memory(model, kMinContext, KvType::Q8_0, n_batch).describe());
  return best;
}

uint64_t parse_byte_size(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string unit = end ? std::string(end) : "";
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KiB" || unit == "K") scale = 1024.0;
  else if (unit == "MiB" || unit == "M") scale = 1048576.0;
  else if (unit == "GiB" || unit == "G") scale = 1073741824.0;
  else if (unit == "KB") scale = 1e3;
  else if (unit == "MB") scale = 1e6;
  else if (unit == "GB") scale = 1e9;
  if (end == text.c_str() || scale == 0 || !(v > 0) || !std::isfinite(v * scale) || v * scale > 1.8e19)
    throw Error("invalid memory size '" + text + "' (examples: 6GiB, 512MiB, 1.5GB)");
  return static_cast<uint64_t>(v * scale);
}

}  // namespace edgelm
