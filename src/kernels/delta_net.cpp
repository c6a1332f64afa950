#include "kernels/delta_net.h"

#include <cmath>

#include "kernels/ops.h"

namespace edgelm::kernels {

void causal_conv1d_silu(const float* x, int64_t ldx, int n, int channels, int kernel, const float* w,
                        float* window, float* y, int64_t ldy) {
  const int history = kernel - 1;
  // Input at time s (s < 0: the carried window, whose row history+s holds it).
  auto input = [&](int s) -> const float* {
    return s >= 0 ? x + static_cast<int64_t>(s) * ldx : window + static_cast<int64_t>(history + s) * channels;
  };
  for (int t = 0; t < n; ++t) {
    float* out = y + static_cast<int64_t>(t) * ldy;
    for (int ch = 0; ch < channels; ++ch) {
      const float* taps = w + static_cast<int64_t>(ch) * kernel;
      float sum = 0.0f;
      for (int j = 0; j < kernel; ++j) sum += input(t - history + j)[ch] * taps[j];
      out[ch] = silu(sum);
    }
  }
  // The new window is the last `history` inputs of (window, x). Filling it in
  // ascending order is safe in place: row r reads time n-history+r, which is
  // either in x or in a window row above r that has not been overwritten yet.
  for (int r = 0; r < history; ++r) {
    const float* src = input(n - history + r);
    float* dst = window + static_cast<int64_t>(r) * channels;
    if (src != dst)
      for (int ch = 0; ch < channels; ++ch) dst[ch] = src[ch];
  }
}

void delta_rule_step(float* S, const float* q, const float* k, const float* v, float decay, float beta,
                     float scale, int d_k, int d_v, float* o) {
  // Every step of the rule touches row c only, so each row is finished
  // (decay, read, correct, write, read-out) before the next one.
  for (int c = 0; c < d_v; ++c) {
    float* row = S + static_cast<int64_t>(c) * d_k;
    float recalled = 0.0f;
    for (int a = 0; a < d_k; ++a) {
      row[a] *= decay;
      recalled += row[a] * k[a];
    }
    const float delta = (v[c] - recalled) * beta;
    float read = 0.0f;
    for (int a = 0; a < d_k; ++a) {
      row[a] += k[a] * delta;
      read += row[a] * q[a];
    }
    o[c] = read * scale;
  }
}

void gated_delta_rule(const DeltaRuleArgs& a, ThreadPool& pool) {
  const int64_t head_floats = static_cast<int64_t>(a.d_k) * a.d_v;
  pool.parallel_for(a.n_v_heads, 1, [&](int, int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      // GGUF stores value heads tiled over key heads (ARCHITECTURES.md §2.5 (d)).
      const int64_t r = j % a.n_k_heads;
      float* S = a.state + j * head_floats;
      for (int t = 0; t < a.n_tokens; ++t) {
        const int64_t gb = static_cast<int64_t>(t) * a.n_v_heads + j;
        delta_rule_step(S, a.q + t * a.qk_stride + r * a.d_k, a.k + t * a.qk_stride + r * a.d_k,
                        a.v + t * a.v_stride + j * a.d_v, std::exp(a.g[gb]), a.beta[gb], a.scale, a.d_k,
                        a.d_v, a.out + t * a.out_stride + j * a.d_v);
      }
    }
  });
}

void rms_norm_silu_gated(const float* x, const float* w, const float* z, float* y, int n, float eps) {
  rms_norm(x, w, y, n, eps);
  for (int i = 0; i < n; ++i) y[i] *= silu(z[i]);
}

}  // namespace edgelm::kernels
