// Benchmark support (`edgelm bench`): what one token costs a model, what this
// machine can do at most, and a context that times prompt processing and
// generation at a given depth without recomputing that depth every time.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgelm/edgelm.h"

namespace edgelm {

// The work of one token through the model, from the model's tensor list:
//  - weights: every tensor the model uses once per token. Tables it only
//    gathers rows from are left out: the input embedding when the output head
//    is a tensor of its own, and Gemma 4's per-layer embedding table. A head
//    tied to the embedding reads the whole matrix. Each matrix element is one
//    multiply-add per token.
//  - attention layers (shared-KV ones too) read the key and value rows of
//    every position they see (a sliding layer sees at most its window) and do
//    n_head * (key + value head size) multiply-adds per position.
//  - recurrent layers read their state and do about 3 multiply-adds per state
//    element (decay-and-update, then read-out) per token.
struct TokenCost {
  struct AttentionLayer {
    int64_t window = 0;                  // 0: sees the whole context
    uint64_t kv_bytes_per_position = 0;  // key + value bytes of one position, as cached
    uint64_t macs_per_position = 0;
  };
  uint64_t weight_bytes = 0;   // weight bytes read per token (batch of one)
  uint64_t weight_macs = 0;    // multiply-adds with weights per token
  uint64_t state_bytes = 0;    // recurrent state read per token
  uint64_t state_macs = 0;
  std::vector<AttentionLayer> attention;
  std::string weight_type;     // the type holding most matrix bytes: "Q4_0", "F16" ...
  bool float_weights = false;  // weight_type is a float type: prefill is bound by fp32, not int8, math

  // For one token that sees `n_visible` positions (itself and those before it).
  uint64_t bytes_at(int64_t n_visible) const;
  uint64_t macs_at(int64_t n_visible) const;
};

// kv_type: the KV cache encoding (f32, f16, q8_0, q4), which sets the bytes per position.
TokenCost token_cost(const Model& model, KvType kv_type = KvType::F16);

// This machine's ceilings, measured with n_threads threads (takes a few seconds).
struct MachineLimits {
  std::string cpu;                  // CPU model name
  int n_threads = 0;
  double read_bytes_per_s = 0;      // read-only sweep over memory far beyond the caches
  double triad_bytes_per_s = 0;     // STREAM-like a = b + s*c
  double int8_ops_per_s = 0;        // 8-bit dot products, 2 ops per multiply-add
  double fp32_flops_per_s = 0;      // fp32 fused multiply-adds, 2 flops each
  std::string int8_isa, fp32_isa;   // instruction sets the peaks were measured with
};

MachineLimits probe_machine(int n_threads);
std::string cpu_model_name();

// Where the time of forward passes went (BenchContext::profile_generation):
// wall time, calls and streamed weight bytes per section (a layer kind such as
// "sliding" or "recurrent", or "output head") and operation ("matmul",
// "attention", "delta-rule"; "total" is the section's whole time).
struct ProfileRow {
  std::string section, op;
  int64_t calls = 0;
  double seconds = 0;
  uint64_t bytes = 0;
};

struct BenchOptions {
  int n_threads = 1;
  int64_t n_ctx = 4096;          // must hold depth + the longest test
  int n_batch = 512;             // prompt tokens per forward pass
  KvType kv_type = KvType::F16;   // as SessionOptions::kv_type
  int sparse_topk = 0;           // as SessionOptions::sparse_attention_topk
  bool pin_threads = false;      // as SessionOptions::pin_threads
};

// A private context for timing, run like a Session. fill() runs `depth` random
// tokens once and snapshots the state; each time_*() call then runs random
// tokens on top of it, returns the seconds they took, and restores the
// snapshot, so every repetition does the same work without refilling.
class BenchContext {
 public:
  BenchContext(const Model& model, const BenchOptions& options);
  ~BenchContext();
  BenchContext(const BenchContext&) = delete;
  BenchContext& operator=(const BenchContext&) = delete;

  void fill(int64_t depth, uint64_t seed);
  // The same depth with random keys, values and recurrent state written
  // straight into the cache instead of computed: what a decode step reads
  // (and the memory held) is the same, at a fraction of the cost, for depths
  // whose real prompt would take most of an hour on a laptop CPU. Sparse
  // attention's page choice depends on the values, so measure it after fill().
  void fill_random(int64_t depth, uint64_t seed);
  // n tokens as one prompt, in batches of n_batch (logits of the last only).
  double time_prompt(int n_tokens, uint64_t seed);
  // n tokens one at a time, as in generation (sampling left out).
  double time_generation(int n_tokens, uint64_t seed);
  // time_prompt (prompt = true) or time_generation once more with the
  // forward-pass profile on; returns its rows.
  std::vector<ProfileRow> profile(int n_tokens, uint64_t seed, bool prompt);

  int64_t depth() const;
  int64_t context_size() const;
  // Logits of the last token run; for tests that check the restored context.
  const std::vector<float>& last_logits() const;

 private:
  void check_depth(int64_t depth) const;   // throws unless 0 <= depth <= the context size
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgelm
