// Helpers of the attention tests: a one-layer cache filled with random keys
// and values, a straightforward reference attention over the decoded cache,
// and the comparison of the two.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/attention_kv.h"
#include "memory/state.h"

namespace edgelm::test {

struct AttentionShape {
  int n_head = 4, n_head_kv = 2, head_dim_k = 32, head_dim_v = 32;
  int window = 0;
  int64_t n_ctx = 256;
  int max_batch = 64;
  kernels::KvType type = kernels::KvType::F32;
  int sparse_topk = 0;
};

// A layer cache plus the queries of one step; keys have a few outlier
// channels (as real keys do) and scores are far from uniform.
class AttentionFixture {
 public:
  AttentionFixture(const AttentionShape& s, uint64_t seed)
      : shape_(s), rng_(seed), state_(specs(s), {s.n_ctx, s.max_batch, s.type, s.sparse_topk}) {}

  const AttentionShape& shape() const { return shape_; }
  memory::LayerKv& cache() { return state_.kv(0); }
  memory::State& state() { return state_; }
  int64_t n_past() const { return state_.n_past(); }
  Rng& rng() { return rng_; }   // copy it to replay the same keys, values and queries

  // Writes n new positions and makes n queries for them.
  void append(int n) {
    const int kd = shape_.n_head_kv * shape_.head_dim_k, vd = shape_.n_head_kv * shape_.head_dim_v;
    std::vector<float> k(kd), v(vd);
    for (int t = 0; t < n; ++t) {
      for (int i = 0; i < kd; ++i) k[i] = rng_.gaussian() * (i % 16 == 3 ? 6.0f : 1.0f);
      for (int i = 0; i < vd; ++i) v[i] = rng_.gaussian();
      cache().store(state_.n_past() + t, k.data(), v.data());
    }
    q_.resize(static_cast<size_t>(n) * shape_.n_head * shape_.head_dim_k);
    for (float& x : q_) x = rng_.gaussian();
    n_tokens_ = n;
  }
  void advance() { state_.advance(n_tokens_); }

  kernels::AttentionArgs args(std::vector<float>& out) const {
    out.assign(static_cast<size_t>(n_tokens_) * shape_.n_head * shape_.head_dim_v, 0.0f);
    kernels::AttentionArgs a;
    a.q = q_.data();
    a.q_stride = static_cast<int64_t>(shape_.n_head) * shape_.head_dim_k;
    a.n_tokens = n_tokens_;
    a.n_head = shape_.n_head;
    a.pos0 = state_.n_past();
    a.scale = 1.5f / std::sqrt(static_cast<float>(shape_.head_dim_k));
    a.window = shape_.window;
    a.out = out.data();
    a.out_stride = static_cast<int64_t>(shape_.n_head) * shape_.head_dim_v;
    return a;
  }

  std::vector<float> run(ThreadPool& pool, kernels::AttentionScratch& scratch) {
    std::vector<float> out;
    kernels::attention(args(out), state_.kv(0).view(), pool, scratch);
    return out;
  }

 private:
  static std::vector<memory::LayerMemorySpec> specs(const AttentionShape& s) {
    memory::LayerMemorySpec spec;
    spec.kind = memory::LayerMemorySpec::Kind::Kv;
    spec.n_head_kv = s.n_head_kv;
    spec.head_dim_k = s.head_dim_k;
    spec.head_dim_v = s.head_dim_v;
    spec.window = s.window;
    return {spec};
  }

  AttentionShape shape_;
  Rng rng_;
  memory::State state_;
  std::vector<float> q_;
  int n_tokens_ = 0;
};

// Decoded keys and values of a view, all positions [0, n).
struct DecodedKv {
  std::vector<float> k, v;
  int64_t k_stride = 0, v_stride = 0;
  const float* key(int64_t p, int g, int dk) const { return k.data() + p * k_stride + g * dk; }
  const float* value(int64_t p, int g, int dv) const { return v.data() + p * v_stride + g * dv; }
};

inline DecodedKv decode_kv(const kernels::KvView& kv, int64_t first, int64_t n) {
  DecodedKv d;
  d.k_stride = static_cast<int64_t>(kv.n_head_kv) * kv.head_dim_k;
  d.v_stride = static_cast<int64_t>(kv.n_head_kv) * kv.head_dim_v;
  d.k.assign(n * d.k_stride, 0.0f);
  d.v.assign(n * d.v_stride, 0.0f);
  for (int64_t p = first; p < n; ++p) {
    kernels::kv_read_key(kv, p, d.k.data() + p * d.k_stride);
    kernels::kv_read_value(kv, p, d.v.data() + p * d.v_stride);
  }
  return d;
}

// The plain two-pass softmax attention of one query over the keys `use`
// says (positions first..last), in double after float dot products.
template <class Use>
void reference_query(const kernels::AttentionArgs& a, const kernels::KvView& kv, const DecodedKv& d, int t, int h,
                     Use use, float* out) {
  const int group = a.n_head / kv.n_head_kv, g = h / group, dk = kv.head_dim_k, dv = kv.head_dim_v;
  const int64_t pos = a.pos0 + t;
  const int64_t first = a.window > 0 ? std::max<int64_t>(0, pos - a.window + 1) : 0;
  const float* q = a.q + t * a.q_stride + static_cast<int64_t>(h) * dk;
  std::vector<double> s;
  std::vector<int64_t> keys;
  for (int64_t p = first; p <= pos; ++p) {
    if (!use(p)) continue;
    float dot = 0.0f;
    for (int c = 0; c < dk; ++c) dot += q[c] * d.key(p, g, dk)[c];
    s.push_back(static_cast<double>(dot * a.scale));
    keys.push_back(p);
  }
  const double m = *std::max_element(s.begin(), s.end());
  double sum = 0.0;
  std::vector<double> acc(dv, 0.0);
  for (size_t j = 0; j < s.size(); ++j) {
    const double w = std::exp(s[j] - m);
    sum += w;
    for (int c = 0; c < dv; ++c) acc[c] += w * d.value(keys[j], g, dv)[c];
  }
  for (int c = 0; c < dv; ++c) out[c] = static_cast<float>(acc[c] / sum);
}

// Largest |kernel - reference| over every output of the step.
template <class Use>
double max_error_vs_reference(const kernels::AttentionArgs& a, const kernels::KvView& kv, const std::vector<float>& got,
                              Use use) {
  const DecodedKv d = decode_kv(kv, a.window > 0 ? std::max<int64_t>(0, a.pos0 - a.window + 1) : 0,
                                a.pos0 + a.n_tokens);
  std::vector<float> want(kv.head_dim_v);
  double err = 0.0;
  for (int t = 0; t < a.n_tokens; ++t)
    for (int h = 0; h < a.n_head; ++h) {
      reference_query(a, kv, d, t, h, use, want.data());
      const float* row = got.data() + t * a.out_stride + static_cast<int64_t>(h) * kv.head_dim_v;
      for (int c = 0; c < kv.head_dim_v; ++c) err = std::max(err, std::fabs(static_cast<double>(row[c]) - want[c]));
    }
  return err;
}

inline double max_error_vs_reference(const kernels::AttentionArgs& a, const kernels::KvView& kv,
                                     const std::vector<float>& got) {
  return max_error_vs_reference(a, kv, got, [](int64_t) { return true; });
}

}  // namespace edgelm::test
