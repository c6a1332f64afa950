#include "kernels/ops.h"

#include <cmath>
#include <vector>

#include "tensor/types.h"

namespace edgelm::kernels {

void rms_norm(const float* x, const float* w, float* y, int n, float eps) {
  double sum = 0.0;   // llama.cpp sums f32 squares in double
  for (int i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / n);
  const float s = 1.0f / std::sqrt(mean + eps);
  if (w) {
    for (int i = 0; i < n; ++i) y[i] = x[i] * s * w[i];
  } else {
    for (int i = 0; i < n; ++i) y[i] = x[i] * s;
  }
}

void l2_norm(const float* x, float* y, int n, float eps) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float norm = std::fmax(static_cast<float>(std::sqrt(sum)), eps);
  const float s = 1.0f / norm;
  for (int i = 0; i < n; ++i) y[i] = x[i] * s;
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

namespace {

float gelu_exact(float x) {
  const float k = 0.7978845608028654f;   // sqrt(2/pi)
  return 0.5f * x * (1.0f + std::tanh(k * x * (1.0f + 0.044715f * x * x)));
}

// ggml evaluates GELU by rounding x to f16 and reading a 64K-entry f16 table;
// reproducing it keeps Gemma logits within the reference's own rounding.
const std::vector<uint16_t>& gelu_table() {
  static const std::vector<uint16_t> table = [] {
    std::vector<uint16_t> t(1 << 16);
    for (uint32_t i = 0; i < t.size(); ++i)
      t[i] = fp32_to_fp16(gelu_exact(fp16_to_fp32(static_cast<uint16_t>(i))));
    return t;
  }();
  return table;
}

}  // namespace

float gelu(float x) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  return fp16_to_fp32(gelu_table()[fp32_to_fp16(x)]);
}

void swiglu(const float* gate, const float* up, float* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = silu(gate[i]) * up[i];
}

void geglu(const float* gate, const float* up, float* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = gelu(gate[i]) * up[i];
}

void softcap(float* x, int n, float cap) {
  const float inv = 1.0f / cap;
  for (int i = 0; i < n; ++i) x[i] = std::tanh(x[i] * inv) * cap;
}

void add(float* y, const float* x, int n) {
  for (int i = 0; i < n; ++i) y[i] += x[i];
}

void scale(float* y, float s, int n) {
  for (int i = 0; i < n; ++i) y[i] *= s;
}

void rope_cache(const RopeParams& p, int64_t pos, float* cs) {
  // ggml advances the angle by repeated multiplication, not pow(); matching
  // that recurrence keeps rotated values bit-comparable.
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
  float theta = static_cast<float>(pos);
  for (int i = 0; i < p.n_rot / 2; ++i) {
    const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
    const float angle = p.freq_scale * (theta / ff);
    cs[2 * i] = std::cos(angle) * p.attn_factor;
    cs[2 * i + 1] = std::sin(angle) * p.attn_factor;
    theta *= theta_scale;
  }
}

void rope_apply(const RopeParams& p, const float* cs, float* x, int n_heads, int head_dim) {
  const int half = p.n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const int a = p.mode == RopeMode::Neox ? i : 2 * i;
      const int b = p.mode == RopeMode::Neox ? i + half : 2 * i + 1;
      const float c = cs[2 * i], s = cs[2 * i + 1];
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

}  // namespace edgelm::kernels
