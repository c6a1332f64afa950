// How much memory a model needs at a given context and KV encoding, and the
// largest context that fits a budget (`--mem-budget 6GiB`).
#pragma once
#include <cstdint>
#include <string>

#include "edgelm/edgelm.h"

namespace edgelm {

struct MemoryPlan {
  int64_t n_ctx = 0;
  KvType kv_type = KvType::F16;
  uint64_t weights_resident = 0;  // weights read for every token (held in memory)
  uint64_t weights_cold = 0;      // mapped but only row-gathered (per-layer embeddings, untied input
                                  // embedding): paged in one row per distinct token, not counted
  uint64_t kv_full = 0;           // full-attention KV cache at n_ctx
  uint64_t kv_sliding = 0;        // sliding-window rings (independent of n_ctx)
  uint64_t recurrent = 0;         // recurrent state
  uint64_t scratch = 0;           // activations, logits, attention and matmul buffers (estimate)
  uint64_t total() const { return weights_resident + kv_full + kv_sliding + recurrent + scratch; }
  std::string describe() const;   // one line: the breakdown in MiB
};

// The breakdown for one configuration.
MemoryPlan plan_memory(const Model& model, int64_t n_ctx, KvType kv_type, int n_batch = 512);

// The largest context up to max_ctx (0: the training context) that fits the
// budget, preferring the more accurate KV encoding (f16, then q8_0, then q4) when they
// reach the same context. Throws edgelm::Error with the breakdown when not
// even a small context fits.
MemoryPlan fit_memory_budget(const Model& model, uint64_t budget_bytes, int64_t max_ctx = 0, int n_batch = 512);

// "6GiB", "512MiB", "1.5GB", "800000000" -> bytes; throws edgelm::Error.
uint64_t parse_byte_size(const std::string& text);

}  // namespace edgelm
