#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace edgelm::kernels {
namespace {

// One query head against positions [first, last]: softmax(scale * q.k) . v
void attend_one(const float* q, const KvView& kv, int kv_head, int64_t first, int64_t last,
                float scale, float* scores, float* out) {
  const int64_t k_row = static_cast<int64_t>(kv.n_head_kv) * kv.head_dim_k;
  const int64_t v_row = static_cast<int64_t>(kv.n_head_kv) * kv.head_dim_v;
  const int64_t n = last - first + 1;
  float max_score = -INFINITY;
  for (int64_t j = 0; j < n; ++j) {
    const float* k = kv.k + ((first + j) % kv.capacity) * k_row + kv_head * kv.head_dim_k;
    float dot = 0.0f;
    for (int d = 0; d < kv.head_dim_k; ++d) dot += q[d] * k[d];
    scores[j] = dot * scale;
    max_score = std::max(max_score, scores[j]);
  }
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    scores[j] = std::exp(scores[j] - max_score);
    sum += scores[j];
  }
  const float inv = static_cast<float>(1.0 / sum);
  std::memset(out, 0, sizeof(float) * kv.head_dim_v);
  for (int64_t j = 0; j < n; ++j) {
    const float* v = kv.v + ((first + j) % kv.capacity) * v_row + kv_head * kv.head_dim_v;
    const float w = scores[j] * inv;
    for (int d = 0; d < kv.head_dim_v; ++d) out[d] += w * v[d];
  }
}

}  // namespace

void attention(const AttentionArgs& a, const KvView& kv, ThreadPool& pool, AttentionScratch& scratch) {
  const int group = a.n_head / kv.n_head_kv;   // query heads per KV head
  const int64_t max_keys = a.pos0 + a.n_tokens;
  scratch.scores.resize(pool.size());
  for (auto& s : scratch.scores)
    if (static_cast<int64_t>(s.size()) < max_keys) s.resize(max_keys);
  const int64_t n_items = static_cast<int64_t>(a.n_tokens) * a.n_head;
  pool.parallel_for(n_items, 1, [&](int thread, int64_t begin, int64_t end) {
    float* scores = scratch.scores[thread].data();
    for (int64_t item = begin; item < end; ++item) {
      const int t = static_cast<int>(item / a.n_head);
      const int h = static_cast<int>(item % a.n_head);
      const int64_t pos = a.pos0 + t;
      const int64_t first = a.window > 0 ? std::max<int64_t>(0, pos - a.window + 1) : 0;
      const float* q = a.q + t * a.q_stride + static_cast<int64_t>(h) * kv.head_dim_k;
      float* out = a.out + t * a.out_stride + static_cast<int64_t>(h) * kv.head_dim_v;
      attend_one(q, kv, h / group, first, pos, a.scale, scores, out);
    }
  });
}

}  // namespace edgelm::kernels
