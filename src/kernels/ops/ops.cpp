#include "kernels/ops/ops.h"

#include <bit>
#include <cmath>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGELM_OPS_X86 1
#endif

#include "kernels/matmul/isa.h"
#include "tensor/types.h"

namespace edgelm::kernels {

namespace {

double sum_squares_scalar(const float* x, int n) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  return sum;
}

void scale_rows_scalar(const float* x, const float* w, float s, float* y, int n) {
  if (w) {
    for (int i = 0; i < n; ++i) y[i] = x[i] * s * w[i];
  } else {
    for (int i = 0; i < n; ++i) y[i] = x[i] * s;
  }
}

#ifdef EDGELM_OPS_X86
// The float squares summed in double over eight lanes (only the order of the
// double additions differs from the scalar loop: about 1e-16 relative).
__attribute__((target("avx2,fma")))
double sum_squares_avx2(const float* x, int n) {
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 sq = _mm256_mul_ps(v, v);
    lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(sq)));
    hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(sq, 1)));
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(lo, hi));
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + sum_squares_scalar(x + i, n - i);
}

// y = x * s * w, multiplied in the scalar loop's order (same bits).
__attribute__((target("avx2,fma")))
void scale_rows_avx2(const float* x, const float* w, float s, float* y, int n) {
  const __m256 vs = _mm256_set1_ps(s);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
    if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
    _mm256_storeu_ps(y + i, v);
  }
  scale_rows_scalar(x + i, w ? w + i : nullptr, s, y + i, n - i);
}
#endif

#ifdef EDGELM_OPS_X86
bool has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

double sum_squares(const float* x, int n) {
#ifdef EDGELM_OPS_X86
  if (has_avx2_fma()) return sum_squares_avx2(x, n);
#endif
  return sum_squares_scalar(x, n);
}

void scale_rows(const float* x, const float* w, float s, float* y, int n) {
#ifdef EDGELM_OPS_X86
  if (has_avx2_fma()) return scale_rows_avx2(x, w, s, y, n);
#endif
  scale_rows_scalar(x, w, s, y, n);
}

}  // namespace

void rms_norm(const float* x, const float* w, float* y, int n, float eps) {
  const float mean = static_cast<float>(sum_squares(x, n) / n);   // llama.cpp sums f32 squares in double
  scale_rows(x, w, 1.0f / std::sqrt(mean + eps), y, n);
}

void l2_norm(const float* x, float* y, int n, float eps) {
  const float norm = std::fmax(static_cast<float>(std::sqrt(sum_squares(x, n))), eps);
  scale_rows(x, nullptr, 1.0f / norm, y, n);
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
  static const bool f16c = isa_available(Isa::Avx2);  // AVX2 + FMA + F16C
  if (f16c) return geglu_f16c(gate, up, out, n);
#endif
  geglu_scalar(gate, up, out, n);
}

namespace {

void softcap_scalar(float* x, int n, float cap) {
  const float inv = 1.0f / cap;
  for (int i = 0; i < n; ++i) x[i] = std::tanh(x[i] * inv) * cap;
}

#ifdef EDGELM_OPS_X86
// e^x for |x| <= 20, 8 at a time: 2^n · e^r with n = round(x / ln 2) and
// |r| <= ln(2) / 2 (ln 2 split in two for an exact reduction), e^r from its
// degree-6 Taylor polynomial (relative error < 2e-7 on that interval).
__attribute__((target("avx2,fma")))
__m256 exp_avx2(__m256 x) {
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720);
  for (float c : {1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f}) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
  const __m256i pow2n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(pow2n));
}

// tanh within 2e-7 relative of std::tanh: an odd polynomial below |x| = 0.625
// (Cephes' tanhf coefficients), 1 - 2 / (e^2|x| + 1) above, ±1 beyond 9.
__attribute__((target("avx2,fma")))
__m256 tanh_avx2(__m256 x) {
  const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
  const __m256 ax = _mm256_min_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x), _mm256_set1_ps(9.0f));
  const __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                                   _mm256_div_ps(_mm256_set1_ps(2.0f),
                                                 _mm256_add_ps(exp_avx2(_mm256_add_ps(ax, ax)), _mm256_set1_ps(1.0f))));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  for (float c : {2.06390887954e-2f, -5.37397155531e-2f, 1.33314422036e-1f, -3.33332819422e-1f})
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(c));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  const __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
  return _mm256_blendv_ps(_mm256_or_ps(big, sign), small, is_small);
}

__attribute__((target("avx2,fma")))
void softcap_avx2(float* x, int n, float cap) {
  const __m256 inv = _mm256_set1_ps(1.0f / cap), c = _mm256_set1_ps(cap);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 ok = _mm256_cmp_ps(v, v, _CMP_ORD_Q);   // NaN: leave to the scalar path below
    if (_mm256_movemask_ps(ok) != 0xff) {
      softcap_scalar(x + i, 8, cap);
      continue;
    }
    _mm256_storeu_ps(x + i, _mm256_mul_ps(tanh_avx2(_mm256_mul_ps(v, inv)), c));
  }
  softcap_scalar(x + i, n - i, cap);
}
#endif

// ---- SiLU as ggml's x86 builds evaluate it --------------------------------
//
// ggml's AVX2 build takes a row's elements eight at a time through its vector
// exponential and divides, x / (1 + e^-x); the n % 8 elements at the row's end
// go through libm's expf. The references were made there, so edgelm follows
// the same rule on every ISA (each lane's result depends on that lane alone).

float silu_vec_lane(float x) { return x / (1.0f + exp_vec(0.0f - x)); }

constexpr int kSiluVecWidth = 8;   // ggml AVX2: __m256

#ifdef EDGELM_OPS_X86
// exp_vec_lane for eight lanes at once (same operations, same bits).
__attribute__((target("avx2,fma")))
__m256 exp_vec_avx2(__m256 x) {
  const __m256 shifter = _mm256_set1_ps(0x1.8p23f);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), shifter);
  const __m256 n = _mm256_sub_ps(z, shifter);
  const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                    _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
  const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
  const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_set1_epi32(0x3f800000)));
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 hi = _mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f));
  const __m256 lo = _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f));
  const __m256 j = _mm256_fmadd_ps(_mm256_fmadd_ps(hi, u, lo), u, _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b));
  const __m256 normal = _mm256_fmadd_ps(j, k, k);
  const __m256 abs_n = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
  const __m256 big = _mm256_cmp_ps(abs_n, _mm256_set1_ps(126.0f), _CMP_GT_OQ);
  if (_mm256_testz_ps(big, big)) return normal;
  alignas(32) float in[8], out[8];
  _mm256_store_ps(in, x);
  for (int i = 0; i < 8; ++i) out[i] = exp_vec(in[i]);   // rare: |x| > 87
  return _mm256_load_ps(out);
}

__attribute__((target("avx2,fma")))
__m256 silu_vec_avx2(__m256 x) {
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), exp_vec_avx2(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// silu_row's vector part, elements [0, n) with n a multiple of 8.
__attribute__((target("avx2,fma")))
void silu_vec_part_avx2(const float* gate, const float* up, float* out, int n) {
  for (int i = 0; i < n; i += 8) {
    const __m256 s = silu_vec_avx2(_mm256_loadu_ps(gate + i));
    _mm256_storeu_ps(out + i, up ? _mm256_mul_ps(s, _mm256_loadu_ps(up + i)) : s);
  }
}
#endif

// out[i] = silu(gate[i]) (* up[i] when up is given) over one row.
void silu_row(const float* gate, const float* up, float* out, int n) {
  const int vec_end = n - n % kSiluVecWidth;
  int i = 0;
#ifdef EDGELM_OPS_X86
  if (has_avx2_fma()) {
    silu_vec_part_avx2(gate, up, out, vec_end);
    i = vec_end;
  }
#endif
  for (; i < vec_end; ++i) out[i] = up ? silu_vec_lane(gate[i]) * up[i] : silu_vec_lane(gate[i]);
  for (; i < n; ++i) out[i] = up ? silu(gate[i]) * up[i] : silu(gate[i]);
}

}  // namespace

// ggml's vector e^x, one lane: n = round(x / ln 2) by the 1.5·2^23 shifter,
// b = x - n·ln 2 in two steps, e^b ≈ 1 + j from a degree-5 polynomial, scaled
// by 2^n through the exponent bits (split in two factors when |n| > 126, and
// saturated to 0 or inf past |n| > 192).
float exp_vec(float x) {
  const float shifter = 0x1.8p23f;
  const float z = std::fma(x, 0x1.715476p+0f, shifter);
  const float n = z - shifter;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const uint32_t e = std::bit_cast<uint32_t>(z) << 23;
  const float k = std::bit_cast<float>(e + std::bit_cast<uint32_t>(1.0f));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                                    std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                           u, 0x1.ffffecp-1f * b);
  if (!(std::fabs(n) > 126.0f)) return std::fma(j, k, k);
  const uint32_t g = n <= 0.0f ? 0x82000000u : 0u;
  const float s1 = std::bit_cast<float>(g + 0x7f000000u);
  if (std::fabs(n) > 192.0f) return s1 * s1;
  const float s2 = std::bit_cast<float>(e - g);
  return std::fma(s2, j, s2) * s1;
}

void swiglu(const float* gate, const float* up, float* out, int n) { silu_row(gate, up, out, n); }

void silu_in_place(float* x, int n) { silu_row(x, nullptr, x, n); }

void softcap(float* x, int n, float cap) {
#ifdef EDGELM_OPS_X86
  if (has_avx2_fma()) return softcap_avx2(x, n, cap);
#endif
  softcap_scalar(x, n, cap);
}

namespace {

#ifdef EDGELM_OPS_X86
__attribute__((target("avx2,fma")))
void add_avx2(float* y, const float* x, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] += x[i];
}
#endif

}  // namespace

void add(float* y, const float* x, int n) {
#ifdef EDGELM_OPS_X86
  if (has_avx2_fma()) return add_avx2(y, x, n);
#endif
  for (int i = 0; i < n; ++i) y[i] += x[i];
}

void scale(float* y, float s, int n) { scale_rows(y, nullptr, s, y, n); }

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
      // ggml's x86 builds fuse the first product of each pair (GCC contracts
      // x0*c - x1*s to fma(x0, c, -(x1*s))); the same here keeps the rotated
      // values bit-identical to theirs.
      v[a] = std::fma(x0, c, -(x1 * s));
      v[b] = std::fma(x0, s, x1 * c);
    }
  }
}

}  // namespace edgelm::kernels
