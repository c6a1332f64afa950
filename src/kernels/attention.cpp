#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/types.h"

namespace edgelm::kernels {

const char* kv_type_name(KvType t) {
  switch (t) {
    case KvType::F32: return "f32";
    case KvType::F16: return "f16";
    case KvType::Q8_0: return "q8_0";
  }
  return "?";
}

bool parse_kv_type(const char* name, KvType* out) {
  for (KvType t : {KvType::F32, KvType::F16, KvType::Q8_0})
    if (std::strcmp(name, kv_type_name(t)) == 0) {
      *out = t;
      return true;
    }
  return false;
}

size_t kv_row_bytes(KvType t, int64_t n) {
  switch (t) {
    case KvType::F32: return static_cast<size_t>(n) * 4;
    case KvType::F16: return static_cast<size_t>(n) * 2;
    case KvType::Q8_0: return static_cast<size_t>(n / 32) * 34;
  }
  return 0;
}

void kv_encode(KvType t, const float* x, uint8_t* out, int64_t n) {
  switch (t) {
    case KvType::F32: std::memcpy(out, x, sizeof(float) * n); return;
    case KvType::F16: quantize_row(GgmlType::F16, x, out, n); return;
    case KvType::Q8_0: quantize_row(GgmlType::Q8_0, x, out, n); return;
  }
}

void kv_decode(KvType t, const uint8_t* in, float* x, int64_t n) {
  switch (t) {
    case KvType::F32: std::memcpy(x, in, sizeof(float) * n); return;
    case KvType::F16: dequantize_row(GgmlType::F16, in, x, n); return;
    case KvType::Q8_0: dequantize_row(GgmlType::Q8_0, in, x, n); return;
  }
}

namespace {

// Query heads h0..h0+group-1 share KV head g. Scores of every query head
// against positions [first, last] (decoding each key once), softmax per head,
// then the weighted sum of values (decoding each value once).
void attend_group(const AttentionArgs& a, const KvView& kv, int t, int g, int group, std::vector<float>& buf) {
  const int64_t pos = a.pos0 + t;
  const int64_t first = a.window > 0 ? std::max<int64_t>(0, pos - a.window + 1) : 0;
  const int64_t n = pos - first + 1;
  const int dk = kv.head_dim_k, dv = kv.head_dim_v;
  buf.resize(static_cast<size_t>(group) * n + dk + dv);
  float* scores = buf.data();               // [group][n]
  float* row = scores + group * n;          // one decoded key or value
  const size_t kb = kv.k_row_bytes(), vb = kv.v_row_bytes();
  const size_t k_head = kv_row_bytes(kv.type, dk), v_head = kv_row_bytes(kv.type, dv);
  const float* q0 = a.q + t * a.q_stride + static_cast<int64_t>(g) * group * dk;

  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* k = kv.k + ((first + j) % kv.capacity) * kb + g * k_head;
    const float* key = kv.type == KvType::F32 ? reinterpret_cast<const float*>(k) : row;
    if (kv.type != KvType::F32) kv_decode(kv.type, k, row, dk);
    for (int h = 0; h < group; ++h) {
      const float* q = q0 + static_cast<int64_t>(h) * dk;
      float dot = 0.0f;
      for (int d = 0; d < dk; ++d) dot += q[d] * key[d];
      scores[h * n + j] = dot * a.scale;
    }
  }
  for (int h = 0; h < group; ++h) {
    float* s = scores + h * n;
    const float max_score = *std::max_element(s, s + n);
    double sum = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      s[j] = std::exp(s[j] - max_score);
      sum += s[j];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < n; ++j) s[j] *= inv;
    std::memset(a.out + t * a.out_stride + static_cast<int64_t>(g * group + h) * dv, 0, sizeof(float) * dv);
  }
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* v = kv.v + ((first + j) % kv.capacity) * vb + g * v_head;
    const float* value = kv.type == KvType::F32 ? reinterpret_cast<const float*>(v) : row;
    if (kv.type != KvType::F32) kv_decode(kv.type, v, row, dv);
    for (int h = 0; h < group; ++h) {
      float* out = a.out + t * a.out_stride + static_cast<int64_t>(g * group + h) * dv;
      const float w = scores[h * n + j];
      for (int d = 0; d < dv; ++d) out[d] += w * value[d];
    }
  }
}

}  // namespace

void attention(const AttentionArgs& a, const KvView& kv, ThreadPool& pool, AttentionScratch& scratch) {
  const int group = a.n_head / kv.n_head_kv;   // query heads per KV head
  scratch.per_thread.resize(pool.size());
  const int64_t n_items = static_cast<int64_t>(a.n_tokens) * kv.n_head_kv;
  pool.parallel_for(n_items, 1, [&](int thread, int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item)
      attend_group(a, kv, static_cast<int>(item / kv.n_head_kv), static_cast<int>(item % kv.n_head_kv), group,
                   scratch.per_thread[thread]);
  });
}

}  // namespace edgelm::kernels
