// Causal (optionally sliding-window) grouped-query attention of a batch of
// queries against a key/value cache.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/threadpool.h"

namespace edgelm::kernels {

// Keys and values of one layer, one row per cached position. A position p is
// stored in slot p % capacity, so the same code serves a full cache
// (capacity >= context) and a ring buffer for sliding-window layers.
struct KvView {
  const float* k = nullptr;
  const float* v = nullptr;
  int64_t capacity = 0;
  int n_head_kv = 0;
  int head_dim_k = 0;
  int head_dim_v = 0;
};

struct AttentionArgs {
  const float* q = nullptr;   // [n_tokens][n_head][head_dim_k] with row stride q_stride
  int64_t q_stride = 0;
  int n_tokens = 0;
  int n_head = 0;
  int64_t pos0 = 0;           // position of the first query
  float scale = 1.0f;
  int window = 0;             // 0: plain causal; else keys with p_q - p_k < window
  float* out = nullptr;       // [n_tokens][n_head][head_dim_v] with row stride out_stride
  int64_t out_stride = 0;
};

struct AttentionScratch {
  std::vector<std::vector<float>> scores;   // one buffer per thread
};

void attention(const AttentionArgs& a, const KvView& kv, ThreadPool& pool, AttentionScratch& scratch);

}  // namespace edgelm::kernels
