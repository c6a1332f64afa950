#include "kernels/ops.h"

#include <cmath>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGELM_OPS_X86 1
#endif

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

namespace {

void geglu_scalar(const float* gate, const float* up, float* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = gelu(gate[i]) * up[i];
}

#ifdef EDGELM_OPS_X86
// The same table walk with the f16 conversions done 8 at a time by F16C
// (round to nearest even, as fp32_to_fp16); only a NaN's payload can differ.
__attribute__((target("avx2,f16c")))
void geglu_f16c(const float* gate, const float* up, float* out, int n) {
  const uint16_t* table = gelu_table().data();
  const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    alignas(16) uint16_t h[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(h), _mm256_cvtps_ph(g, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (uint16_t& v : h) v = table[v];
    __m256 y = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h)));
    y = _mm256_blendv_ps(y, g, _mm256_cmp_ps(g, hi, _CMP_GE_OQ));   // gelu(x) = x for x >= 10
    y = _mm256_andnot_ps(_mm256_cmp_ps(g, lo, _CMP_LE_OQ), y);      // and 0 for x <= -10
    _mm256_storeu_ps(out + i, _mm256_mul_ps(y, _mm256_loadu_ps(up + i)));
  }
  geglu_scalar(gate + i, up + i, out + i, n - i);
}
#endif

}  // namespace

void geglu(const float* gate, const float* up, float* out, int n) {
#ifdef EDGELM_OPS_X86
  static const bool f16c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  if (f16c) return geglu_f16c(gate, up, out, n);
#endif
  geglu_scalar(gate, up, out, n);
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
