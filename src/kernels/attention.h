// Causal (optionally sliding-window) grouped-query attention of a batch of
// queries against a key/value cache stored as f32, f16 or Q8_0 rows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/threadpool.h"

namespace edgelm::kernels {

// How cached key/value rows are encoded. Q8_0 quantizes each head's vector
// in blocks of 32 (head dims must be multiples of 32).
enum class KvType { F32, F16, Q8_0 };
const char* kv_type_name(KvType t);
bool parse_kv_type(const char* name, KvType* out);
size_t kv_row_bytes(KvType t, int64_t n);    // bytes of n encoded values
void kv_encode(KvType t, const float* x, uint8_t* out, int64_t n);
void kv_decode(KvType t, const uint8_t* in, float* x, int64_t n);

// Keys and values of one layer, one row per cached position. A position p is
// stored in slot p % capacity, so the same code serves a full cache
// (capacity >= context) and a ring buffer for sliding-window layers.
struct KvView {
  KvType type = KvType::F32;
  const uint8_t* k = nullptr;
  const uint8_t* v = nullptr;
  int64_t capacity = 0;
  int n_head_kv = 0;
  int head_dim_k = 0;
  int head_dim_v = 0;
  size_t k_row_bytes() const { return kv_row_bytes(type, static_cast<int64_t>(n_head_kv) * head_dim_k); }
  size_t v_row_bytes() const { return kv_row_bytes(type, static_cast<int64_t>(n_head_kv) * head_dim_v); }
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
  std::vector<std::vector<float>> per_thread;   // scores and decoded rows, one buffer per thread
};

void attention(const AttentionArgs& a, const KvView& kv, ThreadPool& pool, AttentionScratch& scratch);

}  // namespace edgelm::kernels
