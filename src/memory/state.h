// Everything a session remembers between calls: per-layer KV caches and
// recurrent states, sized from the model's per-layer memory specs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/attention.h"

namespace edgelm::memory {

// What one layer needs to keep across tokens.
struct LayerMemorySpec {
  enum class Kind { None, Kv, Recurrent };
  Kind kind = Kind::None;
  // Kv
  int n_head_kv = 0;
  int head_dim_k = 0;
  int head_dim_v = 0;
  // Recurrent: sizes in floats
  int64_t conv_floats = 0;
  int64_t state_floats = 0;
};

struct LayerKv {
  std::vector<float> k, v;
  int64_t capacity = 0;
  int n_head_kv = 0, head_dim_k = 0, head_dim_v = 0;
  float* k_row(int64_t pos) { return k.data() + (pos % capacity) * n_head_kv * head_dim_k; }
  float* v_row(int64_t pos) { return v.data() + (pos % capacity) * n_head_kv * head_dim_v; }
  kernels::KvView view() const;
};

struct RecurrentLayer {
  std::vector<float> conv;    // last conv inputs, oldest first
  std::vector<float> state;   // recurrent matrices
};

class State {
 public:
  State(const std::vector<LayerMemorySpec>& specs, int64_t n_ctx);

  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_past() const { return n_past_; }
  void advance(int64_t n) { n_past_ += n; }
  void clear();   // forget everything: back to position 0

  LayerKv& kv(int layer) { return kv_[layer]; }
  RecurrentLayer& recurrent(int layer) { return rec_[layer]; }
  size_t bytes() const;

 private:
  int64_t n_ctx_;
  int64_t n_past_ = 0;
  std::vector<LayerKv> kv_;
  std::vector<RecurrentLayer> rec_;
};

}  // namespace edgelm::memory
